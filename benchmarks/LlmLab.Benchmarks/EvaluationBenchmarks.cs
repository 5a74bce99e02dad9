using BenchmarkDotNet.Attributes;
using LlmLab.Evaluation;

namespace LlmLab.Benchmarks;

/// <summary>
/// <c>llmlab eval</c>'s scoring work: 10,000 cases of about 50 words (a reference, a prediction sharing ~60% of its
/// words, a second reference for 30% of the cases), all metrics, on all cores (the CLI's path) and on one thread
/// (the baseline), plus each metric alone on one thread. The target: the whole CLI run under 2 s on 2 cores.
/// </summary>
public class EvaluationBenchmarks
{
    private const int Cases = 10_000;
    private List<EvaluationCase> _cases = [];

    [GlobalSetup]
    public void Setup()
    {
        var random = new System.Random(3);
        var vocabulary = Enumerable.Range(0, 2000).Select(i => Word(random, i)).ToArray();
        string[] punctuation = [",", ".", "!", "?", ";"];
        string Sentence(int words) => string.Join(' ', Enumerable.Range(0, words).Select(_ =>
            vocabulary[random.Next(vocabulary.Length)] + (random.NextDouble() < 0.08 ? punctuation[random.Next(punctuation.Length)] : "")));
        _cases = Enumerable.Range(0, Cases).Select(_ =>
        {
            var reference = Sentence(40 + random.Next(21)).Split(' ');
            var prediction = reference.Select(w => random.NextDouble() < 0.6 ? w : vocabulary[random.Next(vocabulary.Length)]);
            var references = random.NextDouble() < 0.3 ? new[] { string.Join(' ', reference), Sentence(50) } : [string.Join(' ', reference)];
            return new EvaluationCase(string.Join(' ', prediction), references);
        }).ToList();
    }

    private static string Word(System.Random random, int i)
    {
        const string letters = "abcdefghijklmnopqrstuvwxyz";
        int length = 2 + random.Next(9);
        var chars = Enumerable.Range(0, length).Select(_ => letters[random.Next(letters.Length)]).ToArray();
        if (i % 5 == 0) chars[0] = char.ToUpperInvariant(chars[0]);
        return new string(chars) + (i % 7 == 0 ? "ing" : i % 11 == 0 ? "s" : "");
    }

    [Benchmark(Baseline = true)]
    public EvaluationReport AllMetricsOneThread() => Evaluator.Run(_cases, new EvaluationOptions { MaxDegreeOfParallelism = 1 });

    [Benchmark]
    public EvaluationReport AllMetricsAllCores() => Evaluator.Run(_cases);

    [Benchmark]
    public EvaluationReport AllMetricsStemmedAllCores() => Evaluator.Run(_cases, new EvaluationOptions { UseStemmer = true });

    [Benchmark]
    public double RougeOneThread()
    {
        double sum = 0;
        foreach (var c in _cases) sum += Rouge.Score(c.Prediction, c.References).RougeLsum.F1;
        return sum;
    }

    [Benchmark]
    public double BleuOneThread()
    {
        double sum = 0;
        foreach (var c in _cases) sum += Bleu.Sentence(c.Prediction, c.References).Score;
        return sum;
    }

    [Benchmark]
    public double ChrfOneThread()
    {
        double sum = 0;
        foreach (var c in _cases) sum += Chrf.Sentence(c.Prediction, c.References);
        return sum;
    }
}
