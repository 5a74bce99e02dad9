using System.Collections.Concurrent;

namespace LlmLab.Evaluation;

/// <summary>
/// Scores many cases at once: every case on its own (in parallel, each from its inputs alone), then the corpus
/// figures from the per-case statistics in input order, so the report is the same for any thread count.
/// BLEU and chrF statistics are computed once per case and serve both the sentence and the corpus score.
/// </summary>
public static class Evaluator
{
    public static EvaluationReport Run(IReadOnlyList<EvaluationCase> cases, EvaluationOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(cases);
        options ??= new EvaluationOptions();
        for (int i = 0; i < cases.Count; i++)
        {
            var c = cases[i] ?? throw new ArgumentException($"case {i + 1} is null");
            if (c.Prediction is null) throw new ArgumentException($"case {i + 1} has no prediction");
            if (c.References is null || c.References.Count == 0) throw new ArgumentException($"case {i + 1} has no references");
            if (c.References.Any(r => r is null)) throw new ArgumentException($"case {i + 1} has a null reference");
        }

        var metrics = options.Metrics;
        bool rouge = metrics.HasFlag(EvaluationMetrics.Rouge);
        bool bleu = metrics.HasFlag(EvaluationMetrics.Bleu);
        bool chrf = metrics.HasFlag(EvaluationMetrics.Chrf);

        var rougeScores = new RougeScores[cases.Count];
        var bleuStats = new BleuStatistics[cases.Count];
        var chrfStats = new long[cases.Count][];

        void ScoreCase(int i)
        {
            var c = cases[i];
            if (rouge) rougeScores[i] = Rouge.Score(c.Prediction, c.References, options.UseStemmer);
            if (bleu) bleuStats[i] = Bleu.Statistics(c.Prediction, c.References, BleuOptions.Corpus);
            if (chrf) chrfStats[i] = Chrf.Statistics(c.Prediction, c.References);
        }

        int workers = Math.Max(1, Math.Min(options.MaxDegreeOfParallelism ?? Environment.ProcessorCount, cases.Count));
        if (workers == 1)
        {
            for (int i = 0; i < cases.Count; i++) ScoreCase(i);
        }
        else
        {
            // Small chunks balance uneven cases; which thread scores a case never changes its result.
            var ranges = Partitioner.Create(0, cases.Count, Math.Max(1, Math.Min(64, cases.Count / (8 * workers))));
            Parallel.ForEach(ranges, new ParallelOptions { MaxDegreeOfParallelism = workers }, range =>
            {
                for (int i = range.Item1; i < range.Item2; i++) ScoreCase(i);
            });
        }

        var perCase = new CaseScores[cases.Count];
        for (int i = 0; i < cases.Count; i++)
        {
            perCase[i] = new CaseScores(
                rouge ? rougeScores[i] : null,
                bleu ? Bleu.Compute(bleuStats[i], BleuOptions.Sentence).Score : null,
                chrf ? Chrf.Score(chrfStats[i]) : null);
        }

        BleuScore? corpusBleu = null;
        if (bleu)
        {
            var sum = new BleuStatistics(BleuOptions.Corpus.MaxNgramOrder);
            foreach (var s in bleuStats) sum.Add(s);
            corpusBleu = Bleu.Compute(sum, BleuOptions.Corpus);
        }

        double? corpusChrf = null;
        if (chrf)
        {
            var sum = new long[3 * ChrfOptions.Default.CharOrder];
            foreach (var s in chrfStats)
                for (int k = 0; k < sum.Length; k++) sum[k] += s[k];
            corpusChrf = Chrf.Score(sum);
        }

        var corpus = new CorpusScores(corpusBleu, corpusChrf, rouge ? Rouge.Mean(rougeScores) : null);
        return new EvaluationReport(perCase, corpus);
    }
}
