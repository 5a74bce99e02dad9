namespace LlmLab.Evaluation;

/// <summary>
/// BLEU's sufficient statistics of one segment or, summed, of a corpus: hypothesis length, the chosen reference
/// length, and per order the clipped matches and the hypothesis n-gram count (sacrebleu's stats vector).
/// </summary>
public sealed class BleuStatistics
{
    public BleuStatistics(int maxNgramOrder)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxNgramOrder, 1);
        Correct = new long[maxNgramOrder];
        Total = new long[maxNgramOrder];
    }

    public BleuStatistics(long sysLen, long refLen, long[] correct, long[] total)
    {
        if (correct.Length != total.Length || correct.Length == 0)
            throw new ArgumentException($"BLEU statistics need as many match counts as totals, at least one: got {correct.Length} and {total.Length}");
        SysLen = sysLen;
        RefLen = refLen;
        Correct = (long[])correct.Clone();
        Total = (long[])total.Clone();
    }

    public long SysLen { get; private set; }
    public long RefLen { get; private set; }

    /// <summary>Clipped n-gram matches per order (index 0 = unigrams).</summary>
    public long[] Correct { get; }

    /// <summary>Hypothesis n-grams per order.</summary>
    public long[] Total { get; }

    /// <summary>Adds another segment's statistics (corpus BLEU sums before scoring).</summary>
    public void Add(BleuStatistics other)
    {
        if (other.Correct.Length != Correct.Length)
            throw new ArgumentException($"BLEU statistics of different orders: {Correct.Length} and {other.Correct.Length}");
        SysLen += other.SysLen;
        RefLen += other.RefLen;
        for (int i = 0; i < Correct.Length; i++)
        {
            Correct[i] += other.Correct[i];
            Total[i] += other.Total[i];
        }
    }
}

/// <summary>
/// A BLEU score (0..100) with sacrebleu's detail: matches and totals per order (before any add-k smoothing),
/// the precisions used, the brevity penalty, hypothesis and reference lengths.
/// </summary>
public sealed record BleuScore(
    double Score,
    IReadOnlyList<long> Counts,
    IReadOnlyList<long> Totals,
    IReadOnlyList<double> Precisions,
    double BrevityPenalty,
    long SysLen,
    long RefLen);
