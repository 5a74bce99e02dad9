namespace LlmLab.Evaluation;

/// <summary>One ROUGE score: precision, recall and their harmonic mean F1 (0 when both are 0), as rouge_score's Score.</summary>
public readonly record struct RougeScore(double Precision, double Recall, double F1)
{
    /// <summary>From precision and recall: F1 = 2PR / (P + R), computed in rouge_score's order of operations.</summary>
    public static RougeScore FromPrecisionRecall(double precision, double recall) =>
        new(precision, recall, precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0.0);
}

/// <summary>ROUGE-1, ROUGE-2, ROUGE-L and ROUGE-Lsum of one prediction (or their corpus means).</summary>
public sealed record RougeScores(RougeScore Rouge1, RougeScore Rouge2, RougeScore RougeL, RougeScore RougeLsum);
