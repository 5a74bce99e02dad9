using System.Text.Json;
using LlmLab.Evaluation;
using LlmLab.Tests.Infrastructure;

namespace LlmLab.Cli.Tests;

/// <summary>
/// <c>llmlab eval</c> end to end: the JSON report against the shared dev fixtures (sacrebleu and rouge_score values,
/// BLEU and chrF within 1e-6, ROUGE within 1e-9), its schema, round-trip numbers, both input layouts, the table.
/// </summary>
public class EvalCommandTests
{
    private static string DevCases => Fixtures.Path("eval/dev_cases.jsonl");

    private static JsonElement Json(CliResult r)
    {
        Assert.True(r.ExitCode == 0, $"exit {r.ExitCode}: {r.Error}");
        Assert.Equal("", r.Error);
        return JsonDocument.Parse(r.Out).RootElement;
    }

    private static List<JsonElement> Expected() =>
        File.ReadLines(DevCases).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("expected").Clone()).ToList();

    private static void AssertRouge(JsonElement expected, JsonElement actual, string what)
    {
        foreach (string field in new[] { "precision", "recall", "f1" })
            Assert.True(Math.Abs(expected.GetProperty(field).GetDouble() - actual.GetProperty(field).GetDouble()) <= 1e-9, $"{what}.{field}");
    }

    [Fact]
    public void Json_report_matches_sacrebleu_and_rouge_score_on_the_dev_cases()
    {
        var report = Json(CliResult.Run("eval", "--input", DevCases));
        var expected = Expected();
        var cases = report.GetProperty("cases").EnumerateArray().ToList();
        Assert.Equal(expected.Count, cases.Count);
        for (int i = 0; i < cases.Count; i++)
        {
            Assert.Equal(expected[i].GetProperty("sentence_bleu").GetDouble(), cases[i].GetProperty("bleu").GetDouble(), 1e-6);
            Assert.Equal(expected[i].GetProperty("chrf").GetDouble(), cases[i].GetProperty("chrf").GetDouble(), 1e-6);
            foreach (string type in new[] { "rouge1", "rouge2", "rougeL", "rougeLsum" })
                AssertRouge(expected[i].GetProperty(type), cases[i].GetProperty(type), $"case {i + 1} {type}");
        }

        var corpus = report.GetProperty("corpus");
        var mean = DevCaseCorpus().GetProperty("rouge_mean_f1").GetProperty("nostem");
        foreach (string type in new[] { "rouge1", "rouge2", "rougeL", "rougeLsum" })
            Assert.Equal(mean.GetProperty(type).GetDouble(), corpus.GetProperty(type).GetProperty("f1").GetDouble(), 1e-9);
    }

    [Fact]
    public void Stemmer_option_matches_the_stemmed_fixture_values()
    {
        var report = Json(CliResult.Run("eval", "--input", DevCases, "--stemmer", "--metrics", "rouge"));
        var expected = Expected();
        var cases = report.GetProperty("cases").EnumerateArray().ToList();
        for (int i = 0; i < cases.Count; i++)
            foreach (string type in new[] { "rouge1", "rouge2", "rougeL", "rougeLsum" })
                AssertRouge(expected[i].GetProperty(type + "_stem"), cases[i].GetProperty(type), $"case {i + 1} {type}_stem");
        var mean = DevCaseCorpus().GetProperty("rouge_mean_f1").GetProperty("stem");
        Assert.Equal(mean.GetProperty("rouge1").GetDouble(), report.GetProperty("corpus").GetProperty("rouge1").GetProperty("f1").GetDouble(), 1e-9);
    }

    [Fact]
    public void Corpus_bleu_and_chrf_cover_all_cases_with_the_detail()
    {
        var report = Json(CliResult.Run("eval", "--input", DevCases));
        var corpus = report.GetProperty("corpus");
        var lines = File.ReadLines(DevCases).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        var hypotheses = lines.Select(l => l.GetProperty("prediction").GetString()!).ToList();
        var references = lines.Select(l => (IReadOnlyList<string>)l.GetProperty("references").EnumerateArray().Select(r => r.GetString()!).ToList()).ToList();
        var bleu = Bleu.Corpus(hypotheses, references);

        Assert.Equal(bleu.Score, corpus.GetProperty("bleu").GetDouble()); // round-trip: the exact double
        var detail = corpus.GetProperty("bleu_detail");
        Assert.Equal(bleu.Counts, detail.GetProperty("counts").EnumerateArray().Select(e => e.GetInt64()));
        Assert.Equal(bleu.Totals, detail.GetProperty("totals").EnumerateArray().Select(e => e.GetInt64()));
        Assert.Equal(bleu.BrevityPenalty, detail.GetProperty("bp").GetDouble());
        Assert.Equal(bleu.SysLen, detail.GetProperty("sys_len").GetInt64());
        Assert.Equal(bleu.RefLen, detail.GetProperty("ref_len").GetInt64());
        Assert.Equal(Chrf.Corpus(hypotheses, references), corpus.GetProperty("chrf").GetDouble());
    }

    [Fact]
    public void Json_schema_has_exactly_the_documented_keys()
    {
        var report = Json(CliResult.Run("eval", "--input", DevCases));
        Assert.Equal(["cases", "corpus"], report.EnumerateObject().Select(p => p.Name));
        var first = report.GetProperty("cases")[0];
        Assert.Equal(["rouge1", "rouge2", "rougeL", "rougeLsum", "bleu", "chrf"], first.EnumerateObject().Select(p => p.Name));
        Assert.Equal(["precision", "recall", "f1"], first.GetProperty("rouge1").EnumerateObject().Select(p => p.Name));
        var corpus = report.GetProperty("corpus");
        Assert.Equal(["bleu", "bleu_detail", "chrf", "rouge1", "rouge2", "rougeL", "rougeLsum"], corpus.EnumerateObject().Select(p => p.Name));
        Assert.Equal(["counts", "totals", "bp", "sys_len", "ref_len"], corpus.GetProperty("bleu_detail").EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public void Only_requested_metrics_appear()
    {
        var report = Json(CliResult.Run("eval", "--input", DevCases, "--metrics", "bleu"));
        Assert.Equal(["bleu"], report.GetProperty("cases")[0].EnumerateObject().Select(p => p.Name));
        Assert.Equal(["bleu", "bleu_detail"], report.GetProperty("corpus").EnumerateObject().Select(p => p.Name));

        report = Json(CliResult.Run("eval", "--input", DevCases, "--metrics=chrf,rouge"));
        Assert.Equal(["rouge1", "rouge2", "rougeL", "rougeLsum", "chrf"], report.GetProperty("cases")[0].EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public void Numbers_round_trip_to_the_library_doubles()
    {
        var report = Json(CliResult.Run("eval", "--input", DevCases));
        var first = File.ReadLines(DevCases).Select(l => JsonDocument.Parse(l).RootElement).First();
        string prediction = first.GetProperty("prediction").GetString()!;
        string[] references = first.GetProperty("references").EnumerateArray().Select(r => r.GetString()!).ToArray();
        var c = report.GetProperty("cases")[0];
        Assert.Equal(Bleu.Sentence(prediction, references).Score, c.GetProperty("bleu").GetDouble());
        Assert.Equal(Chrf.Sentence(prediction, references), c.GetProperty("chrf").GetDouble());
        Assert.Equal(Rouge.Score(prediction, references).Rouge2.F1, c.GetProperty("rouge2").GetProperty("f1").GetDouble());
        Assert.Contains("0.2857142857142857", CliResult.Run("eval", "--input", DevCases).Out); // 16 significant digits, not 15 or 17
    }

    [Fact]
    public void Line_files_give_the_same_report_as_json_lines()
    {
        using var temp = new TempFolder();
        string[] predictions = ["The cat sat on the mat.", "", "Ünïcödé and 😀 emoji", "a b c d e f"];
        string[] first = ["A cat sat on the mat.", "nothing here", "Unicode and 😀 emoji", "a b c"];
        string[] second = ["The cat was on the mat.", "", "", "a b c d e f g"];
        string p = temp.Write("hyp.txt", string.Join('\n', predictions) + "\n");
        string r1 = temp.Write("ref1.txt", string.Join('\n', first) + "\n");
        string r2 = temp.Write("ref2.txt", string.Join("\r\n", second.Select(s => s + "  ")) + "\r\n"); // CRLF, trailing spaces
        var lines = predictions.Select((pred, i) => JsonSerializer.Serialize(new { prediction = pred, references = new[] { first[i], second[i] } }));
        string jsonl = temp.Write("cases.jsonl", string.Join('\n', lines) + "\n");

        var fromFiles = CliResult.Run("eval", "--predictions", p, "--references", r1, "--references", r2);
        var fromJson = CliResult.Run("eval", "--input", jsonl);
        Assert.Equal(0, fromFiles.ExitCode);
        Assert.Equal(fromJson.Out, fromFiles.Out);
        Assert.Equal(4, Json(fromFiles).GetProperty("cases").GetArrayLength());
    }

    [Fact]
    public void Table_format_renders_cases_and_corpus()
    {
        var r = CliResult.Run("eval", "--input", DevCases, "--format", "table");
        Assert.Equal(0, r.ExitCode);
        Assert.Equal("", r.Error);
        Assert.Contains("ROUGE-1 F1", r.Out);
        Assert.Contains("corpus (16 cases)", r.Out);
        Assert.Contains("BLEU", r.Out);
        Assert.Contains("17.16", r.Out); // case 1 sentence BLEU
        Assert.DoesNotContain("\u001b[", r.Out); // no colour codes
    }

    [Fact]
    public void Empty_prediction_empty_reference_unicode_and_extra_fields_are_scored()
    {
        using var temp = new TempFolder();
        string input = temp.Write("cases.jsonl", string.Join('\n',
            """{"prediction": "", "references": ["a reference"], "id": 1}""",
            "",
            """{"prediction": "a prediction", "references": [""], "meta": {"x": [1, 2]}}""",
            """{"prediction": "", "references": [""]}""",
            """{"prediction": "naïve café 😀 İstanbul", "references": ["naive cafe 😀 Istanbul"]}""") + "\n");
        var report = Json(CliResult.Run("eval", "--input", input));
        var cases = report.GetProperty("cases").EnumerateArray().ToList();
        Assert.Equal(4, cases.Count); // the blank line is skipped
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(0.0, cases[i].GetProperty("bleu").GetDouble());
            Assert.Equal(0.0, cases[i].GetProperty("chrf").GetDouble());
            Assert.Equal(0.0, cases[i].GetProperty("rougeL").GetProperty("f1").GetDouble());
        }
        Assert.True(cases[3].GetProperty("chrf").GetDouble() > 0);
        Assert.Equal(Rouge.Score("naïve café 😀 İstanbul", ["naive cafe 😀 Istanbul"]).Rouge1.F1, cases[3].GetProperty("rouge1").GetProperty("f1").GetDouble());
    }

    [Fact]
    public void Thousands_of_cases_and_long_lines_are_scored_in_order()
    {
        using var temp = new TempFolder();
        var random = new System.Random(5);
        string[] words = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa"];
        string Text(int n) => string.Join(' ', Enumerable.Range(0, n).Select(_ => words[random.Next(words.Length)]));
        var cases = Enumerable.Range(0, 3000).Select(i => (Prediction: Text(20 + i % 7), Reference: Text(25))).ToList();
        cases.Add((Text(3000), Text(3000))); // a very long line
        string input = temp.Write("many.jsonl", string.Join('\n', cases.Select(c => JsonSerializer.Serialize(new { prediction = c.Prediction, references = new[] { c.Reference } }))));

        var report = Json(CliResult.Run("eval", "--input", input));
        var scored = report.GetProperty("cases").EnumerateArray().ToList();
        Assert.Equal(cases.Count, scored.Count);
        foreach (int i in new[] { 0, 1, 1500, 2999, 3000 })
        {
            Assert.Equal(Bleu.Sentence(cases[i].Prediction, [cases[i].Reference]).Score, scored[i].GetProperty("bleu").GetDouble());
            Assert.Equal(Rouge.Score(cases[i].Prediction, cases[i].Reference).RougeL.F1, scored[i].GetProperty("rougeL").GetProperty("f1").GetDouble());
        }
    }

    private static JsonElement DevCaseCorpus() =>
        JsonDocument.Parse(File.ReadAllText(Fixtures.Path("eval/dev_corpus.json"))).RootElement.Clone();
}
