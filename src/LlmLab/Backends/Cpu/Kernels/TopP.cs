using System.Globalization;

namespace LlmLab.Backends.Cpu.Kernels;

/// <summary>
/// HF's TopPLogitsWarper: sort ascending, cumulative softmax, remove where cumulative &lt;= 1 - p, always keep the
/// largest min_tokens_to_keep. The candidates' mass comes from <see cref="SoftmaxWeights"/>; the cut from
/// <see cref="CompositeCut"/> (ties in (value, index) order, as a stable sort).
/// </summary>
internal static class TopP
{
    /// <summary>
    /// 1 - p as HF compares it: Python computes 1 - p in double from the decimal the user wrote, and torch rounds
    /// it to float32. The float p is read back as its shortest decimal (0.9f -> 0.9) so 1 - p matches to the bit.
    /// </summary>
    public static float RemovalThreshold(float topP) =>
        (float)(1.0 - double.Parse(topP.ToString("R", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture));

    /// <summary>Filters the candidates <paramref name="list"/> (index order) in place; returns how many remain.</summary>
    public static int Apply(ReadOnlySpan<float> row, Span<int> list, float max, float topP, int minTokensToKeep, WarperScratch scratch)
    {
        if (list.Length <= 1) return list.Length;
        var weights = scratch.Weights.AsSpan(0, list.Length);
        double total = SoftmaxWeights.Compute(row, list, max, weights);
        ulong cut = CompositeCut.ByMass(row, list, weights, total, RemovalThreshold(topP), scratch);
        // The crossing element itself is kept, so one token always survives a cut; more need the count cut.
        if (cut == ulong.MaxValue || minTokensToKeep > 1)
            cut = Math.Min(cut, CompositeCut.Largest(row, list, minTokensToKeep, scratch));
        return CompositeCut.Compact(row, list, cut);
    }
}
