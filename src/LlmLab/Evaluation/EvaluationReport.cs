namespace LlmLab.Evaluation;

/// <summary>The reference-based metrics an evaluation run computes.</summary>
[Flags]
public enum EvaluationMetrics
{
    None = 0,
    Rouge = 1,
    Bleu = 2,
    Chrf = 4,
    All = Rouge | Bleu | Chrf,
}

/// <summary>One case: a prediction and its references (at least one).</summary>
public sealed record EvaluationCase(string Prediction, IReadOnlyList<string> References);

/// <summary>What to compute and how.</summary>
public sealed record EvaluationOptions
{
    public EvaluationMetrics Metrics { get; init; } = EvaluationMetrics.All;

    /// <summary>Porter-stem ROUGE tokens (rouge_score's use_stemmer=True).</summary>
    public bool UseStemmer { get; init; }

    /// <summary>Worker threads (default: all processors). Results do not depend on it.</summary>
    public int? MaxDegreeOfParallelism { get; init; }
}

/// <summary>One case's scores; a metric not asked for is null. BLEU is sentence BLEU and chrF sentence chrF (sacrebleu defaults).</summary>
public sealed record CaseScores(RougeScores? Rouge, double? Bleu, double? Chrf);

/// <summary>
/// Corpus scores: corpus BLEU and corpus chrF (statistics summed over all cases, sacrebleu defaults) and the plain
/// mean of each ROUGE precision, recall and F1 over the cases.
/// </summary>
public sealed record CorpusScores(BleuScore? Bleu, double? Chrf, RougeScores? RougeMean);

/// <summary>Per-case scores in input order, and the corpus scores.</summary>
public sealed record EvaluationReport(IReadOnlyList<CaseScores> Cases, CorpusScores Corpus);
