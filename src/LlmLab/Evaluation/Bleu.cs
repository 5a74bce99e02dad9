namespace LlmLab.Evaluation;

/// <summary>
/// BLEU exactly as sacrebleu 2.x (<c>corpus_bleu</c>, <c>sentence_bleu</c>, <c>BLEU.compute_bleu</c>):
/// each segment is right-stripped, optionally lowercased and tokenized (<see cref="BleuTokenizer"/>); per order
/// 1..4 the hypothesis n-grams are clipped by their largest count in any one reference; the reference length is the
/// one closest to the hypothesis length (the shorter on ties); corpus BLEU sums the statistics of all segments
/// first. BP = exp(1 - ref/hyp) when the hypothesis is shorter (0 when it is empty); the score is 0 when no n-gram
/// matches at all; otherwise BP times the geometric mean of the (smoothed) precisions, in sacrebleu's order of
/// floating-point operations.
/// Deliberate difference: a segment whose references are all empty strings is scored against one empty reference
/// (sacrebleu raises "Empty or None reference sentence found"). As sacrebleu, empty references next to non-empty
/// ones are dropped.
/// </summary>
public static class Bleu
{
    /// <summary>sacrebleu's <c>sentence_bleu</c>: defaults to <see cref="BleuOptions.Sentence"/> (effective order).</summary>
    public static BleuScore Sentence(string hypothesis, IReadOnlyList<string> references, BleuOptions? options = null)
    {
        options ??= BleuOptions.Sentence;
        return Compute(Statistics(hypothesis, references, options), options);
    }

    /// <summary>sacrebleu's <c>corpus_bleu</c>, with references given per segment (see <see cref="ReferenceStreams"/>).</summary>
    public static BleuScore Corpus(IReadOnlyList<string> hypotheses, IReadOnlyList<IReadOnlyList<string>> references, BleuOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(hypotheses);
        ArgumentNullException.ThrowIfNull(references);
        if (hypotheses.Count != references.Count)
            throw new ArgumentException($"corpus BLEU: {hypotheses.Count} hypotheses but references for {references.Count} segments");
        options ??= BleuOptions.Corpus;
        var sum = new BleuStatistics(options.MaxNgramOrder);
        for (int i = 0; i < hypotheses.Count; i++) sum.Add(Statistics(hypotheses[i], references[i], options));
        return Compute(sum, options);
    }

    /// <summary>The statistics of one segment.</summary>
    public static BleuStatistics Statistics(string hypothesis, IReadOnlyList<string> references, BleuOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(hypothesis);
        options ??= BleuOptions.Corpus;
        int maxOrder = options.MaxNgramOrder;
        var kept = ReferenceStreams.NonEmpty(references);

        var ids = new WordIds();
        var sequences = new int[kept.Count + 1][];
        sequences[0] = SegmentIds(hypothesis, options, ids);
        for (int r = 0; r < kept.Count; r++) sequences[r + 1] = SegmentIds(kept[r], options, ids);

        var correct = new long[maxOrder];
        var total = new long[maxOrder];
        for (int n = 1; n <= maxOrder; n++)
        {
            var keys = NgramCounts.Keys(sequences, n, ids.MaxId);
            total[n - 1] = keys[0].Length;
            correct[n - 1] = NgramCounts.ClippedByMaxReference(keys[0], keys[1..]);
        }

        int hypLen = sequences[0].Length;
        return new BleuStatistics(hypLen, ClosestReferenceLength(hypLen, sequences.AsSpan(1)), correct, total);
    }

    /// <summary>The closest reference length; on equal distance the shorter reference.</summary>
    private static int ClosestReferenceLength(int hypLen, ReadOnlySpan<int[]> references)
    {
        int closestDiff = -1, closestLen = -1;
        foreach (var reference in references)
        {
            int diff = Math.Abs(hypLen - reference.Length);
            if (closestDiff == -1 || diff < closestDiff)
            {
                closestDiff = diff;
                closestLen = reference.Length;
            }
            else if (diff == closestDiff && reference.Length < closestLen)
            {
                closestLen = reference.Length;
            }
        }
        return closestLen;
    }

    /// <summary>The words of a segment as ids: right-strip, optional lowercase, tokenize, split on whitespace.</summary>
    private static int[] SegmentIds(string segment, BleuOptions options, WordIds ids)
    {
        if (options.Lowercase) segment = segment.ToLowerInvariant();
        string stripped = PythonText.RStrip(segment).ToString();
        var ranges = new List<(int Start, int Length)>();
        string text;
        if (options.Tokenizer == BleuTokenizer.Mteval13a)
        {
            text = Tokenizer13a.Tokenize(stripped, ranges);
        }
        else
        {
            text = stripped;
            PythonText.SplitRanges(text, ranges);
        }
        var result = new int[ranges.Count];
        for (int i = 0; i < result.Length; i++) result[i] = ids.Id(text.AsSpan(ranges[i].Start, ranges[i].Length));
        return result;
    }

    /// <summary>sacrebleu's <c>BLEU.compute_bleu</c>: the score from (summed) statistics.</summary>
    public static BleuScore Compute(BleuStatistics statistics, BleuOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(statistics);
        options ??= BleuOptions.Corpus;
        int maxOrder = statistics.Correct.Length;
        long sysLen = statistics.SysLen, refLen = statistics.RefLen;
        double smoothValue = options.SmoothValueOrDefault;

        double bp = sysLen < refLen ? (sysLen > 0 ? Math.Exp(1 - (double)refLen / sysLen) : 0.0) : 1.0;
        var precisions = new double[maxOrder];
        var counts = (long[])statistics.Correct.Clone();
        var totals = (long[])statistics.Total.Clone();

        if (counts.All(c => c == 0))
            return new BleuScore(0.0, counts, totals, precisions, bp, sysLen, refLen);

        double smoothMteval = 1.0;
        int effectiveOrder = maxOrder;
        for (int n = 1; n <= maxOrder; n++)
        {
            double correct = counts[n - 1], total = totals[n - 1];
            if (options.Smoothing == BleuSmoothing.AddK && n > 1)
            {
                correct += smoothValue;
                total += smoothValue;
            }
            if (total == 0) break;
            if (options.EffectiveOrder) effectiveOrder = n;

            if (correct == 0)
            {
                if (options.Smoothing == BleuSmoothing.Exp)
                {
                    smoothMteval *= 2;
                    precisions[n - 1] = 100.0 / (smoothMteval * total);
                }
                else if (options.Smoothing == BleuSmoothing.Floor)
                {
                    precisions[n - 1] = 100.0 * smoothValue / total;
                }
            }
            else
            {
                precisions[n - 1] = 100.0 * correct / total;
            }
        }

        // sacrebleu's my_log: log(0) is taken as -9999999999, which drives the score to 0.
        Span<double> logs = stackalloc double[effectiveOrder];
        for (int i = 0; i < effectiveOrder; i++) logs[i] = precisions[i] == 0.0 ? -9999999999.0 : Math.Log(precisions[i]);
        double score = bp * Math.Exp(PythonText.Sum(logs) / effectiveOrder);
        return new BleuScore(score, counts, totals, precisions, bp, sysLen, refLen);
    }
}
