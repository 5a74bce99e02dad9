namespace LlmLab.Backends;

/// <summary>
/// Hugging Face generate's sampling settings. Neutral values switch a filter off: TopK 0, TopP 1, MinP 0,
/// RepetitionPenalty 1. Temperature 0 (or <see cref="Greedy"/>) means greedy decoding.
/// </summary>
public sealed record SamplingOptions
{
    public float Temperature { get; init; } = 1f;
    public int TopK { get; init; }
    public float TopP { get; init; } = 1f;
    public float MinP { get; init; }
    public float RepetitionPenalty { get; init; } = 1f;
    public bool Greedy { get; init; }
    /// <summary>Top-p and min-p always keep at least this many tokens (HF's min_tokens_to_keep).</summary>
    public int MinTokensToKeep { get; init; } = 1;

    public bool IsGreedy => Greedy || Temperature == 0f;

    public static SamplingOptions GreedyDecoding { get; } = new() { Greedy = true };

    /// <summary>Throws a clear error for values Hugging Face would refuse.</summary>
    public void Validate()
    {
        if (Temperature < 0 || float.IsNaN(Temperature)) throw new ArgumentException($"temperature must be >= 0, got {Temperature}");
        if (TopK < 0) throw new ArgumentException($"top-k must be >= 0 (0 switches it off), got {TopK}");
        if (!(TopP > 0 && TopP <= 1)) throw new ArgumentException($"top-p must be in (0, 1], got {TopP}");
        if (!(MinP >= 0 && MinP <= 1)) throw new ArgumentException($"min-p must be in [0, 1], got {MinP}");
        if (!(RepetitionPenalty > 0)) throw new ArgumentException($"repetition penalty must be > 0, got {RepetitionPenalty}");
        if (MinTokensToKeep < 1) throw new ArgumentException($"min tokens to keep must be >= 1, got {MinTokensToKeep}");
    }
}
