namespace LlmLab.Evaluation;

/// <summary>How BLEU treats n-gram orders without a match (sacrebleu's <c>smooth_method</c>).</summary>
public enum BleuSmoothing
{
    /// <summary>No smoothing: a zero-match order makes the score (practically) 0.</summary>
    None,

    /// <summary>A zero-match order gets precision 100 * SmoothValue / total (default SmoothValue 0.1).</summary>
    Floor,

    /// <summary>Orders above 1 get SmoothValue added to matches and totals (default 1).</summary>
    AddK,

    /// <summary>The k-th zero-match order gets 100 / (2^k * total) (mteval-v13a's; sacrebleu's default).</summary>
    Exp,
}

/// <summary>How BLEU splits a segment into words (sacrebleu's <c>tokenize</c>).</summary>
public enum BleuTokenizer
{
    /// <summary>Whitespace only ("none").</summary>
    None,

    /// <summary>mteval-v13a's tokenizer ("13a"), sacrebleu's default: see <see cref="Tokenizer13a"/>.</summary>
    Mteval13a,
}

/// <summary>
/// BLEU settings, defaulting to sacrebleu's <c>BLEU()</c>: exp smoothing, 13a tokenizer, case-sensitive, n-grams up
/// to 4, no effective order. <see cref="Sentence"/> is <c>sentence_bleu</c>'s defaults (effective order on).
/// </summary>
public sealed record BleuOptions
{
    /// <summary>sacrebleu's <c>corpus_bleu</c> defaults.</summary>
    public static BleuOptions Corpus { get; } = new();

    /// <summary>sacrebleu's <c>sentence_bleu</c> defaults: as <see cref="Corpus"/> plus effective order.</summary>
    public static BleuOptions Sentence { get; } = new() { EffectiveOrder = true };

    public BleuSmoothing Smoothing { get; init; } = BleuSmoothing.Exp;

    /// <summary>The value for Floor (default 0.1) and AddK (default 1); unused by the other methods.</summary>
    public double? SmoothValue { get; init; }

    public BleuTokenizer Tokenizer { get; init; } = BleuTokenizer.Mteval13a;

    /// <summary>Lowercase before tokenizing (.NET's invariant lowercasing; Python's str.lower differs on a few letters such as U+0130).</summary>
    public bool Lowercase { get; init; }

    /// <summary>Average only over the orders up to the last one the hypothesis has n-grams of (for short segments).</summary>
    public bool EffectiveOrder { get; init; }

    public int MaxNgramOrder { get; init; } = 4;

    internal double SmoothValueOrDefault => SmoothValue ?? Smoothing switch
    {
        BleuSmoothing.Floor => 0.1,
        BleuSmoothing.AddK => 1,
        _ => 0,
    };
}
