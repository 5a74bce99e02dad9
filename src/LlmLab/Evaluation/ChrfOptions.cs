namespace LlmLab.Evaluation;

/// <summary>chrF settings, defaulting to sacrebleu's <c>CHRF()</c>: character order 6, word order 0, beta 2, case-sensitive, whitespace removed.</summary>
public sealed record ChrfOptions
{
    public static ChrfOptions Default { get; } = new();

    /// <summary>Character n-grams of orders 1..CharOrder.</summary>
    public int CharOrder { get; init; } = 6;

    /// <summary>Recall weight: F_beta of the averaged precision and recall.</summary>
    public int Beta { get; init; } = 2;

    /// <summary>Lowercase first (.NET's invariant lowercasing; Python's str.lower differs on a few letters).</summary>
    public bool Lowercase { get; init; }

    /// <summary>Keep whitespace characters as characters (sacrebleu's <c>whitespace=True</c>).</summary>
    public bool IncludeWhitespace { get; init; }
}
