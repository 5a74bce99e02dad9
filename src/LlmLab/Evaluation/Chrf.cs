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

        var ids = CharacterIds.ForThread;
        ids.Reset();
        var sequences = new int[kept.Count + 1][];
        sequences[0] = ids.Map(hypothesis, options);
        for (int r = 0; r < kept.Count; r++) sequences[r + 1] = ids.Map(kept[r], options);

        var perReference = new long[kept.Count][];
        for (int r = 0; r < kept.Count; r++) perReference[r] = new long[3 * order];
        int bits = NgramCounts.BitsFor(ids.MaxId);
        if (order <= 7 && order * bits <= 61) AllOrdersAtOnce(sequences, order, bits, perReference);
        else OrderByOrder(sequences, order, ids.MaxId, perReference);

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

    /// <summary>
    /// The common case: every n-gram of every order packed into one key, tagged with its order in the top three
    /// bits, so one table holds the hypothesis and each reference is matched in a single pass.
    /// </summary>
    private static void AllOrdersAtOnce(int[][] sequences, int order, int bits, long[][] perReference)
    {
        int[] hypothesis = sequences[0];
        var table = NgramTable.ForThread;
        table.Reset(order * hypothesis.Length);
        for (int i = 0; i < hypothesis.Length; i++)
        {
            ulong key = 0;
            int top = Math.Min(order, hypothesis.Length - i);
            for (int n = 1; n <= top; n++)
            {
                key = (key << bits) | (uint)hypothesis[i + n - 1];
                table.Add(key | ((ulong)n << 61));
            }
        }

        Span<long> matches = stackalloc long[order];
        for (int r = 0; r < perReference.Length; r++)
        {
            int[] reference = sequences[r + 1];
            matches.Clear();
            table.BeginPass();
            for (int i = 0; i < reference.Length; i++)
            {
                ulong key = 0;
                int top = Math.Min(order, reference.Length - i);
                for (int n = 1; n <= top; n++)
                {
                    key = (key << bits) | (uint)reference[i + n - 1];
                    int slot = table.Find(key | ((ulong)n << 61));
                    if (slot < 0) break; // the hypothesis has no n-gram here, so no longer one either
                    if (table.Take(slot)) matches[n - 1]++;
                }
            }
            var stats = perReference[r];
            for (int n = 1; n <= order; n++)
            {
                long hypCount = Math.Max(0, hypothesis.Length - n + 1), refCount = Math.Max(0, reference.Length - n + 1);
                stats[3 * (n - 1)] = refCount > 0 ? hypCount : 0;
                stats[3 * (n - 1) + 1] = refCount;
                stats[3 * (n - 1) + 2] = matches[n - 1];
            }
        }
    }

    /// <summary>The general case (over a thousand distinct characters, or very high orders): one order at a time.</summary>
    private static void OrderByOrder(int[][] sequences, int order, int maxId, long[][] perReference)
    {
        var table = NgramTable.ForThread;
        for (int n = 1; n <= order; n++)
        {
            var keys = NgramCounts.Keys(sequences, n, maxId);
            table.Reset(keys[0].Length);
            foreach (ulong key in keys[0]) table.Add(key);
            for (int r = 0; r < perReference.Length; r++)
            {
                var refKeys = keys[r + 1];
                long matches = 0;
                table.BeginPass();
                foreach (ulong key in refKeys)
                {
                    int slot = table.Find(key);
                    if (slot >= 0 && table.Take(slot)) matches++;
                }
                var stats = perReference[r];
                stats[3 * (n - 1)] = refKeys.Length > 0 ? keys[0].Length : 0;
                stats[3 * (n - 1) + 1] = refKeys.Length;
                stats[3 * (n - 1) + 2] = matches;
            }
        }
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

    /// <summary>
    /// Gives the characters (code points) of one segment's texts small ids, without a dictionary lookup for the
    /// Basic Multilingual Plane: a per-thread table stamped with a generation, so a reset costs nothing.
    /// </summary>
    private sealed class CharacterIds
    {
        [ThreadStatic] private static CharacterIds? ThreadInstance;

        public static CharacterIds ForThread => ThreadInstance ??= new CharacterIds();

        private readonly int[] _bmpStamp = new int[65536];
        private readonly int[] _bmpId = new int[65536];
        private readonly Dictionary<int, int> _astral = [];
        private int _stamp, _count;

        public int MaxId => Math.Max(0, _count - 1);

        public void Reset()
        {
            if (++_stamp == int.MaxValue)
            {
                Array.Clear(_bmpStamp);
                _stamp = 1;
            }
            _astral.Clear();
            _count = 0;
        }

        /// <summary>The segment's characters (code points, whitespace removed unless kept) as ids.</summary>
        public int[] Map(string segment, ChrfOptions options)
        {
            if (options.Lowercase) segment = segment.ToLowerInvariant();
            var codePoints = new int[segment.Length];
            int n = options.IncludeWhitespace
                ? CodePoints(segment, codePoints)
                : PythonText.CodePointsWithoutSpace(segment, codePoints);
            var result = new int[n];
            for (int i = 0; i < n; i++) result[i] = Id(codePoints[i]);
            return result;
        }

        private int Id(int codePoint)
        {
            if (codePoint < 65536)
            {
                if (_bmpStamp[codePoint] != _stamp)
                {
                    _bmpStamp[codePoint] = _stamp;
                    _bmpId[codePoint] = _count++;
                }
                return _bmpId[codePoint];
            }
            if (!_astral.TryGetValue(codePoint, out int id)) _astral[codePoint] = id = _count++;
            return id;
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
}
