using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Spectre.Console;

namespace LlmLab.Cli.Inspect;

/// <summary>
/// <c>llmlab inspect</c>'s output. Table: a summary (path, model type, architecture, config values, tensor and
/// parameter counts) and one row a tensor, rendered plain (no colour codes). JSON:
/// {"path", "kind": "file"|"folder", "model_type", "architecture", "llmlab_reads", "llmlab_problem" (why not, when
///  it does not), "quantization", "config": {...},
///  "metadata": {...}, "tensor_count", "parameter_count", "tensors": [{"name", "dtype", "shape", "parameters", "file"}]}
/// with the folder-only keys absent for a file.
/// </summary>
public static class InspectReport
{
    public static string Table(Inspection inspection, int width)
    {
        var summary = new Table().Border(TableBorder.Simple).Title(inspection.IsFolder ? "model folder" : "safetensors file");
        summary.AddColumn("key");
        summary.AddColumn("value");
        void Row(string key, string value) => summary.AddRow(new Text(key), new Text(value));
        Row("path", inspection.Path);
        if (inspection.IsFolder)
        {
            Row("model_type", inspection.ModelType ?? "");
            Row("architecture", inspection.Architecture ?? "");
            Row("llmlab reads it", inspection.Supported == true ? "yes" : inspection.Problem is { } why ? $"no: {why}" : "no");
            if (inspection.Quantization is { } q) Row("quantization", $"llmlab {q}");
            foreach (var (key, value) in inspection.Config) Row(key, value?.ToJsonString() ?? "null");
        }
        foreach (var (key, value) in inspection.Metadata) Row($"metadata.{key}", value);
        Row("tensors", Count(inspection.Tensors.Count));
        Row("parameters", Count(inspection.ParameterCount));

        var tensors = new Table().Border(TableBorder.Simple).Title("tensors");
        tensors.AddColumn("name");
        tensors.AddColumn("dtype");
        tensors.AddColumn("shape");
        tensors.AddColumn(new TableColumn("parameters").RightAligned());
        bool sharded = inspection.Tensors.Select(t => t.File).Distinct().Count() > 1;
        if (sharded) tensors.AddColumn("file");
        foreach (var t in inspection.Tensors)
        {
            var cells = new List<Text> { new(t.Name), new(t.DType), new(Shape(t.Shape)), new(Count(t.Parameters)) };
            if (sharded) cells.Add(new Text(t.File));
            tensors.AddRow(cells);
        }
        return PlainText.Render(width, summary, tensors);
    }

    public static string Json(Inspection inspection)
    {
        var buffer = new ArrayBufferWriter<byte>(1 << 16);
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteString("path", inspection.Path);
            json.WriteString("kind", inspection.IsFolder ? "folder" : "file");
            if (inspection.IsFolder)
            {
                json.WriteString("model_type", inspection.ModelType);
                json.WriteString("architecture", inspection.Architecture);
                json.WriteBoolean("llmlab_reads", inspection.Supported == true);
                if (inspection.Problem is { } problem) json.WriteString("llmlab_problem", problem);
                if (inspection.Quantization is { } q) json.WriteString("quantization", q);
                json.WriteStartObject("config");
                foreach (var (key, value) in inspection.Config)
                {
                    json.WritePropertyName(key);
                    if (value is null) json.WriteNullValue();
                    else value.WriteTo(json);
                }
                json.WriteEndObject();
            }
            json.WriteStartObject("metadata");
            foreach (var (key, value) in inspection.Metadata) json.WriteString(key, value);
            json.WriteEndObject();
            json.WriteNumber("tensor_count", inspection.Tensors.Count);
            json.WriteNumber("parameter_count", inspection.ParameterCount);
            json.WriteStartArray("tensors");
            foreach (var t in inspection.Tensors)
            {
                json.WriteStartObject();
                json.WriteString("name", t.Name);
                json.WriteString("dtype", t.DType);
                json.WriteStartArray("shape");
                foreach (int d in t.Shape) json.WriteNumberValue(d);
                json.WriteEndArray();
                json.WriteNumber("parameters", t.Parameters);
                json.WriteString("file", t.File);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan) + "\n";
    }

    private static string Shape(int[] shape) => "[" + string.Join(", ", shape) + "]";

    private static string Count(long n) => n.ToString("N0", CultureInfo.InvariantCulture);
}
