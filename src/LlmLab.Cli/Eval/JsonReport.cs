using System.Buffers;
using System.Text;
using System.Text.Json;
using LlmLab.Evaluation;

namespace LlmLab.Cli.Eval;

/// <summary>
/// The JSON report of <c>llmlab eval</c>:
/// {"cases": [{"rouge1": {"precision", "recall", "f1"}, "rouge2", "rougeL", "rougeLsum", "bleu", "chrf"}, ...],
///  "corpus": {"bleu", "bleu_detail": {"counts", "totals", "bp", "sys_len", "ref_len"}, "chrf",
///             "rouge1": {"precision", "recall", "f1"} (means over the cases), ...}}.
/// Only the requested metrics appear. Numbers are written in the shortest form that reads back to the same double.
/// </summary>
public static class JsonReport
{
    public static string Write(EvaluationReport report, EvaluationMetrics metrics)
    {
        var buffer = new ArrayBufferWriter<byte>(1 << 16);
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteStartArray("cases");
            foreach (var c in report.Cases)
            {
                json.WriteStartObject();
                if (c.Rouge is { } rouge) WriteRouge(json, rouge);
                if (c.Bleu is { } bleu) json.WriteNumber("bleu", bleu);
                if (c.Chrf is { } chrf) json.WriteNumber("chrf", chrf);
                json.WriteEndObject();
            }
            json.WriteEndArray();

            json.WriteStartObject("corpus");
            var corpus = report.Corpus;
            if (metrics.HasFlag(EvaluationMetrics.Bleu) && corpus.Bleu is { } b)
            {
                json.WriteNumber("bleu", b.Score);
                json.WriteStartObject("bleu_detail");
                json.WriteStartArray("counts");
                foreach (long v in b.Counts) json.WriteNumberValue(v);
                json.WriteEndArray();
                json.WriteStartArray("totals");
                foreach (long v in b.Totals) json.WriteNumberValue(v);
                json.WriteEndArray();
                json.WriteNumber("bp", b.BrevityPenalty);
                json.WriteNumber("sys_len", b.SysLen);
                json.WriteNumber("ref_len", b.RefLen);
                json.WriteEndObject();
            }
            if (metrics.HasFlag(EvaluationMetrics.Chrf) && corpus.Chrf is { } chrfCorpus) json.WriteNumber("chrf", chrfCorpus);
            if (metrics.HasFlag(EvaluationMetrics.Rouge) && corpus.RougeMean is { } mean) WriteRouge(json, mean);
            json.WriteEndObject();
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan) + "\n";
    }

    private static void WriteRouge(Utf8JsonWriter json, RougeScores rouge)
    {
        WriteScore(json, "rouge1", rouge.Rouge1);
        WriteScore(json, "rouge2", rouge.Rouge2);
        WriteScore(json, "rougeL", rouge.RougeL);
        WriteScore(json, "rougeLsum", rouge.RougeLsum);
    }

    private static void WriteScore(Utf8JsonWriter json, string name, RougeScore score)
    {
        json.WriteStartObject(name);
        json.WriteNumber("precision", score.Precision);
        json.WriteNumber("recall", score.Recall);
        json.WriteNumber("f1", score.F1);
        json.WriteEndObject();
    }
}
