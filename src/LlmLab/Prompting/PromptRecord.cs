using LlmLab.Data;

namespace LlmLab.Prompting;

/// <summary>
/// What one item was given and how it scored: the exact <see cref="Prompt"/> text, the shots drawn for it (fewer
/// than <see cref="ShotsRequested"/> when its pool ran short), and either each option's score (multiple choice:
/// <see cref="Score"/> is acc, <see cref="NormalizedScore"/> acc_norm) or the generated <see cref="Prediction"/>
/// (<see cref="Score"/> is exact match 0/1 or the ROUGE-L F-measure). <see cref="TruncatedContextTokens"/>: the
/// most context tokens any of its requests lost from the left to fit the model.
/// </summary>
public sealed record PromptRecord(
    InstructionExample Item,
    int ShotsRequested,
    IReadOnlyList<string> ShotIds,
    string Prompt,
    IReadOnlyList<OptionScore> Options,
    int? Predicted,
    int? PredictedNormalized,
    string? Prediction,
    double Score,
    double? NormalizedScore,
    int TruncatedContextTokens)
{
    public int Shots => ShotIds.Count;
}

/// <summary>
/// One option of a multiple-choice item: its text, the continuation scored (target delimiter + option), its
/// log-likelihood, whether greedy decoding would have produced it, and its UTF-8 length in bytes (acc_norm's divisor).
/// </summary>
public sealed record OptionScore(string Text, string Continuation, double LogLikelihood, bool IsGreedy, int Tokens, int Bytes)
{
    /// <summary>The log-likelihood per byte of the option (an empty option counts as one byte).</summary>
    public double NormalizedLogLikelihood => LogLikelihood / Math.Max(1, Bytes);
}
