using LlmLab.Evaluation;

namespace LlmLab.Tests.Evaluation;

/// <summary>
/// The batch evaluator: per-case scores equal the single-case APIs bit for bit, corpus figures equal the corpus
/// APIs, and nothing depends on the number of threads (thousands of cases, 1 vs 2 workers, compared exactly).
/// </summary>
public class EvaluatorTests
{
    private static List<EvaluationCase> RandomCases(int count, int seed)
    {
        var random = new System.Random(seed);
        string[] words = ["the", "cat", "sat", "on", "a", "mat", "dogs", "running", "ran", "café", "😀", "6:45,", "12.5%", "U.S.", "don't", "-", "!"];
        string Text(int max) => string.Join(' ', Enumerable.Range(0, random.Next(max)).Select(_ => words[random.Next(words.Length)]));
        return Enumerable.Range(0, count)
            .Select(_ => new EvaluationCase(Text(30), Enumerable.Range(0, 1 + random.Next(3)).Select(_ => Text(30)).ToArray()))
            .ToList();
    }

    [Fact]
    public void Dev_cases_through_the_evaluator_match_the_fixtures()
    {
        var dev = DevCase.Load();
        var report = Evaluator.Run(dev.Select(c => new EvaluationCase(c.Prediction, c.References)).ToList(), new EvaluationOptions { UseStemmer = true });
        for (int i = 0; i < dev.Count; i++)
        {
            Assert.Equal(dev[i].Number("sentence_bleu"), report.Cases[i].Bleu!.Value, 1e-9);
            Assert.Equal(dev[i].Number("chrf"), report.Cases[i].Chrf!.Value, 1e-9);
            Assert.Equal(dev[i].Rouge("rougeLsum_stem").F1, report.Cases[i].Rouge!.RougeLsum.F1, 1e-9);
        }
        var meanStem = DevCase.Corpus().GetProperty("rouge_mean_f1").GetProperty("stem");
        Assert.Equal(meanStem.GetProperty("rouge1").GetDouble(), report.Corpus.RougeMean!.Rouge1.F1, 1e-9);
        Assert.Equal(meanStem.GetProperty("rougeL").GetDouble(), report.Corpus.RougeMean.RougeL.F1, 1e-9);

        var hypotheses = dev.Select(c => c.Prediction).ToList();
        var references = dev.Select(c => (IReadOnlyList<string>)c.References).ToList();
        Assert.Equal(Bleu.Corpus(hypotheses, references).Score, report.Corpus.Bleu!.Score);
        Assert.Equal(Chrf.Corpus(hypotheses, references), report.Corpus.Chrf);
    }

    [Fact]
    public void Thousands_of_cases_give_the_same_report_on_one_and_two_threads()
    {
        var cases = RandomCases(4000, 11);
        var one = Evaluator.Run(cases, new EvaluationOptions { MaxDegreeOfParallelism = 1 });
        var two = Evaluator.Run(cases, new EvaluationOptions { MaxDegreeOfParallelism = 2 });
        Assert.Equal(one.Cases, two.Cases);
        Assert.Equal(one.Corpus.Bleu!.Score, two.Corpus.Bleu!.Score);
        Assert.Equal(one.Corpus.Bleu.Counts, two.Corpus.Bleu.Counts);
        Assert.Equal(one.Corpus.Chrf, two.Corpus.Chrf);
        Assert.Equal(one.Corpus.RougeMean, two.Corpus.RougeMean);

        foreach (int i in new[] { 0, 17, 1234, 3999 })
        {
            var c = cases[i];
            Assert.Equal(Rouge.Score(c.Prediction, c.References), one.Cases[i].Rouge);
            Assert.Equal(Bleu.Sentence(c.Prediction, c.References).Score, one.Cases[i].Bleu);
            Assert.Equal(Chrf.Sentence(c.Prediction, c.References), one.Cases[i].Chrf);
        }
    }

    [Fact]
    public void Only_the_requested_metrics_are_computed()
    {
        var report = Evaluator.Run([new EvaluationCase("a b", ["a b"])], new EvaluationOptions { Metrics = EvaluationMetrics.Chrf });
        Assert.Null(report.Cases[0].Rouge);
        Assert.Null(report.Cases[0].Bleu);
        Assert.Equal(100.0, report.Cases[0].Chrf!.Value, 1e-12);
        Assert.Null(report.Corpus.Bleu);
        Assert.Null(report.Corpus.RougeMean);
    }

    [Fact]
    public void A_case_without_references_is_named()
    {
        var e = Assert.Throws<ArgumentException>(() => Evaluator.Run([new EvaluationCase("a", ["a"]), new EvaluationCase("b", [])]));
        Assert.Contains("case 2", e.Message);
    }

    [Fact]
    public void No_cases_give_an_empty_report()
    {
        var report = Evaluator.Run([]);
        Assert.Empty(report.Cases);
        Assert.Equal(0.0, report.Corpus.Bleu!.Score);
        Assert.Equal(0.0, report.Corpus.Chrf);
    }
}
