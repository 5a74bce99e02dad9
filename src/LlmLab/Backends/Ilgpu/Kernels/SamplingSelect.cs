using ILGPU;
using ILGPU.Algorithms;

namespace LlmLab.Backends.Ilgpu.Kernels;

/// <summary>
/// Radix selection over the 56-bit composite (value key, index), most significant byte first: per pass a 256-bin
/// histogram of counts and of weights in shared memory (integer atomics, so the sums do not depend on the order
/// threads arrive in; counts alone when every weight is 1), then warp 0 finds the bin where the running weight crosses the threshold. Stops as soon as
/// the chosen bin holds one element. Weights are fixed point (2^40 = the candidates' total softmax mass).
/// </summary>
internal static class SamplingSelect
{
    public const int Bins = 256;
    public const int StateLength = 4;
    public const float FixedPointOne = 1099511627776f; // 2^40
    public const ulong None = ulong.MaxValue;

    /// <summary>
    /// The composite of the first element, in ascending composite order, at which the running weight exceeds
    /// <paramref name="threshold"/> (weight 1 each when <paramref name="unit"/>, else exp(v - max) * scale);
    /// <see cref="None"/> when no element gets there. With <paramref name="keyOnly"/> only the value key is sure
    /// (the index bits may be 0). Elements are values[j] with index j (<paramref name="identity"/>) or indices[j].
    /// </summary>
    public static ulong Crossing(ArrayView<float> values, ArrayView<int> indices, int n, bool identity, bool unit,
        float max, float scale, ulong threshold, bool keyOnly,
        ArrayView<int> counts, ArrayView<ulong> weights, ArrayView<ulong> state)
    {
        int tid = Group.IdxX, groupSize = Group.DimX;
        int maxPasses = keyOnly ? 4 : 7;
        ulong prefix = 0, before = 0;
        int passes = 0;
        bool single = false;
        while (passes < maxPasses && !single)
        {
            for (int b = tid; b < Bins; b += groupSize)
            {
                counts[b] = 0;
                weights[b] = 0;
            }
            Group.Barrier();
            int prefixShift = 56 - 8 * passes, digitShift = 48 - 8 * passes;
            for (int j = tid; j < n; j += groupSize)
            {
                float v = values[j];
                ulong c = SamplingBlock.Composite(v, identity ? j : indices[j]);
                if (passes == 0 || (c >> prefixShift) == prefix)
                {
                    int digit = (int)((c >> digitShift) & 0xFF);
                    Atomic.Add(ref counts[digit], 1);
                    if (!unit) Atomic.Add(ref weights[digit], Weight(v, max, scale));
                }
            }
            Group.Barrier();
            if (Warp.WarpIdx == 0) FindBin(counts, weights, unit, before, threshold, state);
            Group.Barrier();
            ulong digitFound = state[0];
            if (digitFound == Bins) return None;
            before = state[1];
            single = state[2] == 1;
            prefix = (prefix << 8) | digitFound;
            passes++;
        }
        if (passes == 7) return prefix;
        if (!single) return prefix << 24; // key-only: all 32 key bits are known

        // The chosen bin holds one element: fetch its full composite.
        int shift = 56 - 8 * passes;
        for (int j = tid; j < n; j += groupSize)
        {
            ulong c = SamplingBlock.Composite(values[j], identity ? j : indices[j]);
            if ((c >> shift) == prefix) state[3] = c;
        }
        Group.Barrier();
        ulong found = state[3];
        Group.Barrier();
        return found;
    }

    /// <summary>A bin's weight: its count when every element weighs 1 (no second histogram is kept then).</summary>
    private static ulong BinWeight(ArrayView<int> counts, ArrayView<ulong> weights, bool unit, int bin) =>
        unit ? (ulong)counts[bin] : weights[bin];

    /// <summary>exp(v - max) in fixed point.</summary>
    public static ulong Weight(float v, float max, float scale) => (ulong)(XMath.Exp(v - max) * scale);

    /// <summary>
    /// Warp 0: lane l owns bins 8l..8l+7; a shuffle scan of the lanes' sums finds the lane where the running
    /// weight crosses, which walks its bins. Writes state[0] = bin (256: none), state[1] = weight before that bin,
    /// state[2] = its element count.
    /// </summary>
    private static void FindBin(ArrayView<int> counts, ArrayView<ulong> weights, bool unit, ulong before, ulong threshold, ArrayView<ulong> state)
    {
        int lane = Warp.LaneIdx;
        int first = lane * 8;
        ulong own = BinWeight(counts, weights, unit, first) + BinWeight(counts, weights, unit, first + 1)
                  + BinWeight(counts, weights, unit, first + 2) + BinWeight(counts, weights, unit, first + 3)
                  + BinWeight(counts, weights, unit, first + 4) + BinWeight(counts, weights, unit, first + 5)
                  + BinWeight(counts, weights, unit, first + 6) + BinWeight(counts, weights, unit, first + 7);
        ulong inclusive = own;
        for (int d = 1; d < SamplingBlock.WarpSize; d *= 2)
        {
            ulong other = Warp.ShuffleUp(inclusive, d);
            if (lane >= d) inclusive += other;
        }
        ulong start = before + inclusive - own;
        if (start <= threshold && before + inclusive > threshold)
        {
            ulong running = start;
            for (int b = first; b < first + 8; b++)
            {
                ulong after = running + BinWeight(counts, weights, unit, b);
                if (after > threshold)
                {
                    state[0] = (ulong)b;
                    state[1] = running;
                    state[2] = (ulong)counts[b];
                    break;
                }
                running = after;
            }
        }
        if (lane == SamplingBlock.WarpSize - 1 && before + inclusive <= threshold) state[0] = Bins;
    }
}
