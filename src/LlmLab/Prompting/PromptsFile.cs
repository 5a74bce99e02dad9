using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using LlmLab.Data;

namespace LlmLab.Prompting;

/// <summary>
/// The <c>--prompts</c> file of <c>llmlab prompt-eval</c>: one JSON object a line per item and number of shots, in
/// evaluation order: {"model", "id", "task", "template", "shots_requested", "shots", "shot_ids", "prompt" (the exact text the
/// model was given), "target", "metric", "truncated_context_tokens", then for multiple choice "options": [{"option",
/// "continuation", "loglikelihood", "is_greedy", "tokens", "bytes"}], "prediction" (the option with the highest
/// log-likelihood), "acc", "acc_norm", and for generation "prediction" and the metric's score.
/// </summary>
public static class PromptsFile
{
    public static string Write(IEnumerable<PromptReport> reports)
    {
        var text = new StringBuilder();
        var buffer = new ArrayBufferWriter<byte>(1 << 12);
        var options = new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
        foreach (var report in reports)
        {
            foreach (var record in report.Records)
            {
                buffer.ResetWrittenCount();
                using (var json = new Utf8JsonWriter(buffer, options)) WriteRecord(json, report.Model, record);
                text.Append(Encoding.UTF8.GetString(buffer.WrittenSpan)).Append('\n');
            }
        }
        return text.ToString();
    }

    private static void WriteRecord(Utf8JsonWriter json, string model, PromptRecord record)
    {
        var item = record.Item;
        string metric = InstructionFiles.MetricName(item.Metric);
        json.WriteStartObject();
        json.WriteString("model", model);
        json.WriteString("id", item.Id);
        json.WriteString("task", item.Task);
        json.WriteString("template", item.Template);
        json.WriteNumber("shots_requested", record.ShotsRequested);
        json.WriteNumber("shots", record.Shots);
        json.WriteStartArray("shot_ids");
        foreach (string id in record.ShotIds) json.WriteStringValue(id);
        json.WriteEndArray();
        json.WriteString("prompt", record.Prompt);
        json.WriteString("target", item.Target);
        json.WriteString("metric", metric);
        json.WriteNumber("truncated_context_tokens", record.TruncatedContextTokens);
        if (item.IsMultipleChoice)
        {
            json.WriteStartArray("options");
            foreach (var option in record.Options)
            {
                json.WriteStartObject();
                json.WriteString("option", option.Text);
                json.WriteString("continuation", option.Continuation);
                json.WriteNumber("loglikelihood", option.LogLikelihood);
                json.WriteBoolean("is_greedy", option.IsGreedy);
                json.WriteNumber("tokens", option.Tokens);
                json.WriteNumber("bytes", option.Bytes);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteString("prediction", record.Options[record.Predicted!.Value].Text);
            json.WriteNumber("acc", record.Score);
            json.WriteNumber("acc_norm", record.NormalizedScore!.Value);
        }
        else
        {
            json.WriteString("prediction", record.Prediction);
            json.WriteNumber(metric, record.Score);
        }
        json.WriteEndObject();
    }
}
