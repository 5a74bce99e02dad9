namespace LlmLab.Evaluation;

/// <summary>
/// chrF exactly as sacrebleu 2.x's <c>CHRF</c> with its defaults (chrF2: character order 6, no word n-grams, beta 2,
/// whitespace removed, no eps smoothing). Characters are Python's: code points, so an emoji is one character.
/// Per order n, statistics are [hypothesis n-grams, reference n-grams, clipped matches], the hypothesis count being
/// 0 where the reference has no n-gram of that order. The score averages precision and recall over the orders where
/// both sides have n-grams (sacrebleu's effective order) and returns 100 * F_beta of the two averages.
/// Several references: a segment keeps the statistics of the reference with the best sentence score (the first on
/// ties). Corpus chrF sums every segment's kept statistics, then scores once.
/// Empty references are dropped as sacrebleu does; where all are empty, LlmLab scores against one empty reference
/// (chrF 0) where sacrebleu raises.
/// </summary>
public static class Chrf
{
    /// <summary>Sentence chrF (sacrebleu's <c>sentence_chrf</c>).</summary>
    public static double Sentence(string hypothesis, IReadOnlyList<string> references, ChrfOptions? options = null)
    {
        options ??= ChrfOptions.Default;
        return Score(Statistics(hypothesis, references, options), options);
    }

    /// <summary>Corpus chrF (sacrebleu's <c>corpus_chrf</c>), references given per segment.</summary>
    public static double Corpus(IReadOnlyList<string> hypotheses, IReadOnlyList<IReadOnlyList<string>> references, ChrfOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(hypotheses);
        ArgumentNullException.ThrowIfNull(references);
        if (hypotheses.Count != references.Count)
            throw new ArgumentException($"corpus chrF: {hypotheses.Count} hypotheses but references for {references.Count} segments");
        options ??= ChrfOptions.Default;
        var sum = new long[3 * options.CharOrder];
        for (int i = 0; i < hypotheses.Count; i++)
        {
            var stats = Statistics(hypotheses[i], references[i], options);
            for (int k = 0; k < sum.Length; k++) sum[k] += stats[k];
        }
        return Score(sum, options);
    }

    /// <summary>
    /// The statistics of one segment against its best reference: 3 * CharOrder numbers, per order
    /// [hypothesis n-grams, reference n-grams, matches].
    /// </summary>
    public static long[] Statistics(string hypothesis, IReadOnlyList<string> references, ChrfOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(hypothesis);
        options ??= ChrfOptions.Default;
        ArgumentOutOfRangeException.ThrowIfLessThan(options.CharOrder, 1);
        var kept = ReferenceStreams.NonEmpty(references);
        int order = options.CharOrder;

        var charIds = new Dictionary<int, int>();
        var sequences = new int[kept.Count + 1][];
        sequences[0] = CharacterIds(hypothesis, options, charIds);
        for (int r = 0; r < kept.Count; r++) sequences[r + 1] = CharacterIds(kept[r], options, charIds);
        int maxId = Math.Max(0, charIds.Count - 1);

        var perReference = new long[kept.Count][];
        for (int r = 0; r < kept.Count; r++) perReference[r] = new long[3 * order];
        for (int n = 1; n <= order; n++)
        {
            var keys = NgramCounts.SortedKeys(sequences, n, maxId);
            for (int r = 0; r < kept.Count; r++)
            {
                var refKeys = keys[r + 1];
                var stats = perReference[r];
                stats[3 * (n - 1)] = refKeys.Length > 0 ? keys[0].Length : 0;
                stats[3 * (n - 1) + 1] = refKeys.Length;
                stats[3 * (n - 1) + 2] = NgramCounts.Overlap(keys[0], refKeys);
            }
        }

        long[] best = perReference[0];
        double bestScore = -1.0;
        foreach (var stats in perReference)
        {
            double f = Score(stats, options);
            if (f > bestScore)
            {
                bestScore = f;
                best = stats;
            }
        }
        return best;
    }

    /// <summary>sacrebleu's <c>CHRF._compute_f_score</c> (without eps smoothing), 0..100.</summary>
    public static double Score(ReadOnlySpan<long> statistics, ChrfOptions? options = null)
    {
        options ??= ChrfOptions.Default;
        int order = statistics.Length / 3;
        double factor = (double)options.Beta * options.Beta;
        double averagePrecision = 0, averageRecall = 0;
        int effectiveOrder = 0;
        for (int i = 0; i < order; i++)
        {
            long hyp = statistics[3 * i], reference = statistics[3 * i + 1], match = statistics[3 * i + 2];
            if (hyp > 0 && reference > 0)
            {
                averagePrecision += (double)match / hyp;
                averageRecall += (double)match / reference;
                effectiveOrder++;
            }
        }
        if (effectiveOrder == 0) return 0.0;
        averagePrecision /= effectiveOrder;
        averageRecall /= effectiveOrder;
        if (averagePrecision + averageRecall == 0) return 0.0;
        double score = (1 + factor) * averagePrecision * averageRecall;
        score /= factor * averagePrecision + averageRecall;
        return 100 * score;
    }

    /// <summary>The segment's characters (code points, whitespace removed unless kept) as small ids.</summary>
    private static int[] CharacterIds(string segment, ChrfOptions options, Dictionary<int, int> ids)
    {
        if (options.Lowercase) segment = segment.ToLowerInvariant();
        var codePoints = new int[segment.Length];
        int count = options.IncludeWhitespace
            ? CodePoints(segment, codePoints)
            : PythonText.CodePointsWithoutSpace(segment, codePoints);
        var result = new int[count];
        for (int i = 0; i < count; i++)
        {
            if (!ids.TryGetValue(codePoints[i], out int id)) ids[codePoints[i]] = id = ids.Count;
            result[i] = id;
        }
        return result;
    }

    private static int CodePoints(string s, int[] dest)
    {
        int n = 0;
        for (int i = 0; i < s.Length; i++)
        {
            char c = s[i];
            if (char.IsHighSurrogate(c) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]))
                dest[n++] = char.ConvertToUtf32(c, s[++i]);
            else
                dest[n++] = c;
        }
        return n;
    }
}
