namespace LlmLab.Backends.Cpu.Kernels;

/// <summary>
/// Finds where a running weight crosses a threshold in ascending (value, index) order without sorting: three
/// levels of histograms over the order-preserving key (11, 11, 10 bits) narrow the search to one bucket, whose
/// members (equal values, in index order) are then walked. The running sum is a double, accumulated bucket by
/// bucket in a fixed order, so the answer depends on the inputs alone.
/// </summary>
internal static class RadixSelect
{
    private static readonly (int Shift, int Bits)[] Levels = [(21, 11), (10, 11), (0, 10)];
    public const int HistogramLength = 1 << 11;

    /// <summary>
    /// The position j in <paramref name="list"/> (row indices in increasing order) of the first element, in
    /// ascending (value, index) order, at which (float)(running weight / total) &gt; threshold, the running weight
    /// counting that element; -1 when no element crosses. Empty <paramref name="weights"/> means weight 1 each.
    /// </summary>
    public static int FirstCrossing(ReadOnlySpan<float> row, ReadOnlySpan<int> list, ReadOnlySpan<float> weights,
        double total, float threshold, WarperScratch scratch)
    {
        var histogram = scratch.Histogram.AsSpan();
        Span<int> current = scratch.PositionsA, next = scratch.PositionsB;
        int count = list.Length;
        bool unit = weights.IsEmpty;
        double before = 0;
        for (int level = 0; level < Levels.Length; level++)
        {
            var (shift, bits) = Levels[level];
            uint mask = (1u << bits) - 1;
            var h = histogram[..(1 << bits)];
            h.Clear();
            for (int q = 0; q < count; q++)
            {
                int j = level == 0 ? q : current[q];
                h[(int)((FloatOrder.Key(row[list[j]]) >> shift) & mask)] += unit ? 1 : weights[j];
            }

            int bucket = -1;
            double running = before;
            for (int b = 0; b < h.Length; b++)
            {
                double after = running + h[b];
                if ((float)(after / total) > threshold)
                {
                    bucket = b;
                    break;
                }
                running = after;
            }
            if (bucket < 0) return -1;
            before = running;

            int kept = 0;
            for (int q = 0; q < count; q++)
            {
                int j = level == 0 ? q : current[q];
                if (((FloatOrder.Key(row[list[j]]) >> shift) & mask) == bucket) next[kept++] = j;
            }
            count = kept;
            var swap = current;
            current = next;
            next = swap;
        }

        // Every remaining element has the same value: index order decides.
        double cumulative = before;
        for (int q = 0; q < count; q++)
        {
            int j = current[q];
            cumulative += unit ? 1 : weights[j];
            if ((float)(cumulative / total) > threshold) return j;
        }
        return -1;
    }
}
