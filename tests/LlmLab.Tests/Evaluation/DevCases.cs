using System.Text.Json;
using LlmLab.Tests.Infrastructure;

namespace LlmLab.Tests.Evaluation;

/// <summary>The shared fixtures eval/dev_cases.jsonl and eval/dev_corpus.json (sacrebleu 2.6.0, rouge_score).</summary>
internal sealed record DevCase(int Line, string Prediction, string[] References, JsonElement Expected)
{
    public double Number(string name) => Expected.GetProperty(name).GetDouble();

    public (double Precision, double Recall, double F1) Rouge(string name)
    {
        var e = Expected.GetProperty(name);
        return (e.GetProperty("precision").GetDouble(), e.GetProperty("recall").GetDouble(), e.GetProperty("f1").GetDouble());
    }

    public static IReadOnlyList<DevCase> Load()
    {
        var cases = new List<DevCase>();
        int line = 0;
        foreach (string text in File.ReadLines(Fixtures.Path("eval/dev_cases.jsonl")))
        {
            line++;
            var root = JsonDocument.Parse(text).RootElement;
            cases.Add(new DevCase(
                line,
                root.GetProperty("prediction").GetString()!,
                root.GetProperty("references").EnumerateArray().Select(r => r.GetString()!).ToArray(),
                root.GetProperty("expected").Clone()));
        }
        return cases;
    }

    public static JsonElement Corpus() => JsonDocument.Parse(File.ReadAllText(Fixtures.Path("eval/dev_corpus.json"))).RootElement.Clone();
}
