namespace LlmLab.Backends.Cpu.Kernels;

/// <summary>
/// Top-p and min-p remove a lower set of the candidates in (value, index) order, so each comes down to one cut: the
/// smallest composite key (<see cref="FloatOrder.Composite"/>) that survives. Small candidate sets are sorted;
/// large ones go through <see cref="RadixSelect"/>.
/// </summary>
internal static class CompositeCut
{
    public const int SortLimit = 512;

    /// <summary>The cut that keeps the <paramref name="keep"/> largest of <paramref name="list"/> (all of them when keep &gt;= its length).</summary>
    public static ulong Largest(ReadOnlySpan<float> row, ReadOnlySpan<int> list, int keep, WarperScratch scratch)
    {
        int n = list.Length;
        if (keep >= n) return 0;
        if (keep <= 0) return ulong.MaxValue;
        if (n <= SortLimit)
        {
            var keys = scratch.Composites.AsSpan(0, n);
            for (int j = 0; j < n; j++) keys[j] = FloatOrder.Composite(row[list[j]], list[j]);
            keys.Sort();
            return keys[n - keep];
        }
        int at = RadixSelect.FirstCrossing(row, list, default, 1, n - keep, scratch);
        return FloatOrder.Composite(row[list[at]], list[at]);
    }

    /// <summary>
    /// HF's top-p cut: in ascending order, remove while (float)(cumulative weight / total) &lt;= threshold; the
    /// first element past that is the cut. <see cref="ulong.MaxValue"/> (nothing kept) when none gets past.
    /// </summary>
    public static ulong ByMass(ReadOnlySpan<float> row, ReadOnlySpan<int> list, ReadOnlySpan<float> weights, double total,
        float threshold, WarperScratch scratch)
    {
        int n = list.Length;
        if (n <= SortLimit)
        {
            var keys = scratch.Composites.AsSpan(0, n);
            var sortedWeights = scratch.SortWeights.AsSpan(0, n);
            for (int j = 0; j < n; j++) keys[j] = FloatOrder.Composite(row[list[j]], list[j]);
            weights.CopyTo(sortedWeights);
            keys.Sort(sortedWeights);
            double cumulative = 0;
            for (int j = 0; j < n; j++)
            {
                cumulative += sortedWeights[j];
                if ((float)(cumulative / total) > threshold) return keys[j];
            }
            return ulong.MaxValue;
        }
        int at = RadixSelect.FirstCrossing(row, list, weights, total, threshold, scratch);
        return at < 0 ? ulong.MaxValue : FloatOrder.Composite(row[list[at]], list[at]);
    }

    /// <summary>Keeps, in place and in order, the listed candidates whose composite key is &gt;= cut; returns how many.</summary>
    public static int Compact(ReadOnlySpan<float> row, Span<int> list, ulong cut)
    {
        int kept = 0;
        foreach (int i in list)
            if (FloatOrder.Composite(row[i], i) >= cut) list[kept++] = i;
        return kept;
    }
}
