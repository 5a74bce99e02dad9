namespace LlmLab.Training;

/// <summary>
/// T5's span-corruption objective (t5.data.preprocessors span_corruption; transformers' run_t5_mlm_flax): a noise
/// mask of random spans, each noise span of the input replaced by one sentinel (vocabulary - 1, vocabulary - 2, ...)
/// and the target made of the noise spans, each run of kept tokens there replaced by a sentinel in the same way.
/// </summary>
public static class SpanCorruption
{
    public const double DefaultNoiseDensity = 0.15;
    public const double DefaultMeanSpanLength = 3;

    /// <summary>
    /// One sequence corrupted under <paramref name="noise"/> (true = noise): inputs keep the non-noise tokens with a
    /// sentinel per noise span, targets the noise tokens with a sentinel per non-noise span. E.g. tokens 10..15,
    /// noise [T, T, F, F, T, F], vocabulary 1000: inputs [999, 12, 13, 998, 15], targets [10, 11, 999, 14, 998].
    /// </summary>
    public static (int[] Inputs, int[] Targets) Corrupt(ReadOnlySpan<int> tokens, ReadOnlySpan<bool> noise, int vocabularySize)
    {
        if (tokens.Length != noise.Length)
            throw new ArgumentException($"span corruption: {tokens.Length} tokens but a noise mask of {noise.Length}");
        var kept = new bool[noise.Length];
        for (int i = 0; i < kept.Length; i++) kept[i] = !noise[i];
        return (SentinelSpans(tokens, noise, vocabularySize), SentinelSpans(tokens, kept, vocabularySize));
    }

    /// <summary>
    /// T5's noise_span_to_unique_sentinel: each run of masked tokens becomes one sentinel, the first run
    /// vocabulary - 1, the next vocabulary - 2, ...; unmasked tokens stay.
    /// </summary>
    public static int[] SentinelSpans(ReadOnlySpan<int> tokens, ReadOnlySpan<bool> mask, int vocabularySize)
    {
        var result = new List<int>(tokens.Length);
        int sentinel = vocabularySize;
        for (int i = 0; i < tokens.Length; i++)
        {
            if (!mask[i]) result.Add(tokens[i]);
            else if (i == 0 || !mask[i - 1]) result.Add(--sentinel);
        }
        return result.ToArray();
    }

    /// <summary>
    /// How many tokens and spans of a sequence of <paramref name="length"/> are noise: n = clamp(round(length x
    /// density), 1, length - 1) and spans = max(round(n / mean span), 1), rounding as Python's round (half to even);
    /// a sequence shorter than 2 counts as 2, as in T5.
    /// </summary>
    public static (int NoiseTokens, int NoiseSpans) NoiseLengths(int length, double noiseDensity = DefaultNoiseDensity, double meanSpanLength = DefaultMeanSpanLength)
    {
        if (!(noiseDensity > 0 && noiseDensity < 1)) throw new ArgumentOutOfRangeException(nameof(noiseDensity), $"noise density must be in (0, 1), got {noiseDensity}");
        if (!(meanSpanLength >= 1)) throw new ArgumentOutOfRangeException(nameof(meanSpanLength), $"the mean noise span length must be >= 1, got {meanSpanLength}");
        length = Math.Max(length, 2);
        int noise = Math.Clamp((int)Math.Round(length * noiseDensity, MidpointRounding.ToEven), 1, length - 1);
        int spans = Math.Max((int)Math.Round(noise / meanSpanLength, MidpointRounding.ToEven), 1);
        return (noise, spans);
    }

    /// <summary>
    /// T5's random_spans_noise_mask: noise and non-noise tokens each cut into the same number of spans at random
    /// (every span at least one token), interleaved starting with non-noise. <paramref name="nextRandom"/>(n) draws
    /// an integer in [0, n). Where there are fewer non-noise tokens than spans (T5 would fail) the spans are fewer.
    /// </summary>
    public static bool[] RandomNoiseMask(int length, Func<int, int> nextRandom, double noiseDensity = DefaultNoiseDensity,
        double meanSpanLength = DefaultMeanSpanLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        var (noise, spans) = NoiseLengths(length, noiseDensity, meanSpanLength);
        int padded = Math.Max(length, 2), kept = padded - noise;
        spans = Math.Min(spans, kept);
        var noiseLengths = RandomSegmentation(noise, spans, nextRandom);
        var keptLengths = RandomSegmentation(kept, spans, nextRandom);
        var mask = new bool[padded];
        int at = 0;
        for (int s = 0; s < spans; s++)
        {
            at += keptLengths[s];
            for (int j = 0; j < noiseLengths[s]; j++) mask[at++] = true;
        }
        return mask[..length];
    }

    /// <summary>
    /// <paramref name="items"/> cut into <paramref name="segments"/> non-empty runs at random: the lengths, in order
    /// (T5's _random_segmentation: a shuffled indicator of which gaps start a new segment).
    /// </summary>
    public static int[] RandomSegmentation(int items, int segments, Func<int, int> nextRandom)
    {
        if (segments < 1 || segments > items)
            throw new ArgumentException($"cannot cut {items} items into {segments} non-empty segments");
        // Gaps 1 .. items - 1; the first segments - 1 of a shuffled order start a segment.
        var starts = new bool[items];
        var gaps = Enumerable.Range(1, items - 1).ToArray();
        for (int i = gaps.Length - 1; i > 0; i--)
        {
            int j = nextRandom(i + 1);
            (gaps[i], gaps[j]) = (gaps[j], gaps[i]);
        }
        for (int g = 0; g < segments - 1; g++) starts[gaps[g]] = true;
        var lengths = new int[segments];
        int segment = 0;
        for (int i = 0; i < items; i++)
        {
            if (starts[i]) segment++;
            lengths[segment]++;
        }
        return lengths;
    }
}
