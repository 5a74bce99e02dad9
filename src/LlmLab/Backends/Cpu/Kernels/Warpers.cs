using System.Numerics;
using System.Runtime.Intrinsics;

namespace LlmLab.Backends.Cpu.Kernels;

/// <summary>
/// One row through HF's processors and warpers, in HF's order: repetition penalty, temperature, top-k, top-p,
/// min-p. The row keeps the penalised, tempered logits; the survivors are a list of indices in increasing order
/// (<see cref="WarperScratch.List"/>), which the draw uses directly and <see cref="Mask"/> turns into -infinity
/// elsewhere. Each filter is a no-op at its neutral value, as HF then leaves it out.
/// </summary>
internal static class Warpers
{
    /// <summary>
    /// Fills <paramref name="row"/> and returns how many candidates survive (listed in scratch.List), or -1 when
    /// the row holds NaN or +infinity (no distribution to filter or draw from). Greedy options apply only the
    /// penalty (HF runs no warpers when it does not sample).
    /// </summary>
    public static int Apply(ReadOnlySpan<float> logits, ReadOnlySpan<int> previous, Span<float> row, SamplingOptions options,
        WarperScratch scratch, out float max)
    {
        float temperature = options.IsGreedy ? 1f : options.Temperature;
        Divide(logits, temperature, row);
        if (options.RepetitionPenalty != 1f) RepetitionPenalty.Apply(logits, previous, options.RepetitionPenalty, temperature, row);

        max = SimdMath.Max(row);
        if (float.IsNaN(max) || float.IsPositiveInfinity(max)) return -1;

        int vocab = row.Length;
        int k = options.TopK > 0 && !options.IsGreedy ? Math.Max(options.TopK, options.MinTokensToKeep) : 0;
        float floor = k > 0 && k < vocab ? TopK.Threshold(row, k, scratch) : float.NegativeInfinity;
        var list = scratch.List.AsSpan(0, vocab);
        int count = Collect(row, floor, list);
        if (options.IsGreedy) return count;
        if (options.TopP < 1f && count > 0) count = TopP.Apply(row, list[..count], max, options.TopP, options.MinTokensToKeep, scratch);
        if (options.MinP > 0f && count > 0) count = MinP.Apply(row, list[..count], max, options.MinP, options.MinTokensToKeep, scratch);
        return count;
    }

    /// <summary>Sets every entry not in the first <paramref name="count"/> listed candidates to -infinity.</summary>
    public static void Mask(Span<float> row, int count, WarperScratch scratch)
    {
        var list = scratch.List.AsSpan(0, count);
        var kept = scratch.Weights.AsSpan(0, count);
        for (int j = 0; j < count; j++) kept[j] = row[list[j]];
        row.Fill(float.NegativeInfinity);
        for (int j = 0; j < count; j++) row[list[j]] = kept[j];
    }

    /// <summary>y = x / t, one IEEE division per element (HF's TemperatureLogitsWarper: scores / temperature).</summary>
    private static void Divide(ReadOnlySpan<float> x, float t, Span<float> y)
    {
        if (t == 1f)
        {
            x.CopyTo(y);
            return;
        }
        var divisor = Vector256.Create(t);
        int i = 0;
        for (; i <= x.Length - 8; i += 8) (Vector256.Create(x.Slice(i, 8)) / divisor).CopyTo(y.Slice(i, 8));
        for (; i < x.Length; i++) y[i] = x[i] / t;
    }

    /// <summary>Indices of entries &gt;= floor and &gt; -infinity, in increasing order; returns how many.</summary>
    private static int Collect(ReadOnlySpan<float> row, float floor, Span<int> list)
    {
        int count = 0, i = 0;
        var bound = Vector256.Create(floor);
        var minusInfinity = Vector256.Create(float.NegativeInfinity);
        for (; i <= row.Length - 8; i += 8)
        {
            var v = Vector256.Create(row.Slice(i, 8));
            uint hit = (Vector256.GreaterThanOrEqual(v, bound) & Vector256.GreaterThan(v, minusInfinity)).ExtractMostSignificantBits();
            while (hit != 0)
            {
                list[count++] = i + BitOperations.TrailingZeroCount(hit);
                hit &= hit - 1;
            }
        }
        for (; i < row.Length; i++)
            if (row[i] >= floor && row[i] > float.NegativeInfinity) list[count++] = i;
        return count;
    }
}
