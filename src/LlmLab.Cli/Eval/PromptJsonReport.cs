using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace LlmLab.Cli.Eval;

/// <summary>
/// The JSON report of <c>llmlab prompt-eval</c>:
/// {"model", "max_length", "tasks", "seed", "results": [{"task", "template" (with --by-template), "shots",
/// "fewest_shots", "metric", "value", "stderr", "ci95": [low, high], "n", "truncated"}, ...]}. A standard error of
/// fewer than two items is null, and so is its interval.
/// </summary>
public static class PromptJsonReport
{
    public static string Write(PromptEvalResult result)
    {
        var buffer = new ArrayBufferWriter<byte>(1 << 14);
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteString("model", result.Model);
            json.WriteNumber("max_length", result.MaxLength);
            json.WriteString("tasks", result.TasksPath);
            json.WriteNumber("seed", result.Seed);
            json.WriteStartArray("results");
            foreach (var s in result.Rows())
            {
                json.WriteStartObject();
                json.WriteString("task", s.Task);
                if (result.ByTemplate) json.WriteString("template", s.Template);
                json.WriteNumber("shots", s.ShotsRequested);
                json.WriteNumber("fewest_shots", s.FewestShots);
                json.WriteString("metric", s.Metric);
                json.WriteNumber("value", s.Mean);
                if (double.IsNaN(s.StandardError))
                {
                    json.WriteNull("stderr");
                    json.WriteNull("ci95");
                }
                else
                {
                    json.WriteNumber("stderr", s.StandardError);
                    json.WriteStartArray("ci95");
                    json.WriteNumberValue(s.Low);
                    json.WriteNumberValue(s.High);
                    json.WriteEndArray();
                }
                json.WriteNumber("n", s.Count);
                json.WriteNumber("truncated", s.Truncated);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan) + "\n";
    }
}
