using ILGPU;
using ILGPU.Algorithms;
using LlmLab.Random;

namespace LlmLab.Backends.Ilgpu.Kernels;

/// <summary>
/// Hugging Face's sampling, one group per row. <see cref="WarpRows"/> runs penalty and temperature (one pass),
/// max and NaN check (a reduction), top-k (radix select by count: no sort, ties at the k-th value kept), an
/// order-preserving compaction of the survivors into a candidate list, top-p and min-p on that list (radix select
/// by fixed-point softmax mass, then compaction), and the draw (prefix scan in index order). Rows are written
/// in place: -infinity where removed (warp mode) or left as scratch (sample mode).
/// </summary>
internal static class SamplingKernels
{
    public static void WarpRows(ArrayView<float> logits, ArrayView<int> previous, ArrayView<float> rows,
        ArrayView<int> listsA, ArrayView<float> valuesA, ArrayView<int> listsB, ArrayView<float> valuesB,
        ArrayView<int> tokens, SamplingParameters p)
    {
        var floats = SharedMemory.Allocate<float>(SamplingBlock.ScratchLength);
        var ints = SharedMemory.Allocate<int>(SamplingBlock.ScratchLength);
        var counts = SharedMemory.Allocate<int>(SamplingSelect.Bins);
        var weights = SharedMemory.Allocate<ulong>(SamplingSelect.Bins);
        var state = SharedMemory.Allocate<ulong>(SamplingSelect.StateLength);
        var lastSums = SharedMemory.Allocate<float>(MaxGroupSize);

        int row = Grid.IdxX, tid = Group.IdxX, groupSize = Group.DimX, vocab = p.Vocab;
        long offset = (long)row * vocab;
        var x = logits.SubView(offset, vocab);
        var y = rows.SubView(offset, vocab);
        // Candidate lists (index, value) ping-pong between two buffers: compaction reads one, writes the other.
        var list = listsA.SubView(offset, vocab);
        var values = valuesA.SubView(offset, vocab);
        var nextList = listsB.SubView(offset, vocab);
        var nextValues = valuesB.SubView(offset, vocab);
        bool warpMode = p.Mode == SamplingParameters.ModeWarp;

        // Repetition penalty and temperature: (penalised logit) / T, one IEEE division as HF.
        for (int i = tid; i < vocab; i += groupSize)
            y[i] = p.Temperature == 1f ? x[i] : SamplingBlock.Divide(x[i], p.Temperature);
        Group.Barrier();
        if (p.Penalty != 1f)
        {
            var seen = previous.SubView((long)row * p.PreviousLength, p.PreviousLength);
            for (int j = tid; j < p.PreviousLength; j += groupSize)
            {
                int t = seen[j];
                if (t < 0 || t >= vocab) continue;
                float v = x[t];
                v = v < 0f ? v * p.Penalty : SamplingBlock.Divide(v, p.Penalty);
                y[t] = p.Temperature == 1f ? v : SamplingBlock.Divide(v, p.Temperature);
            }
            Group.Barrier();
        }
        if (p.Mode == SamplingParameters.ModePenaltyOnly) return;

        float localMax = float.NegativeInfinity;
        bool bad = false;
        for (int i = tid; i < vocab; i += groupSize)
        {
            float v = y[i];
            if (SamplingBlock.IsNaNOrPlusInfinity(v)) bad = true;
            else localMax = XMath.Max(localMax, v);
        }
        if (Group.BarrierOr(bad))
        {
            if (warpMode)
                for (int i = tid; i < vocab; i += groupSize) y[i] = float.NaN;
            else if (tid == 0) tokens[row] = -1;
            return;
        }
        float max = SamplingBlock.Max(localMax, floats);

        // Top-k: the k-th largest key by count; keep keys >= it (every tie at the threshold).
        uint floorKey = 0;
        if (p.TopK > 0)
        {
            ulong c = SamplingSelect.Crossing(y, list, vocab, true, true, max, 0f, (ulong)(vocab - p.TopK), true,
                counts, weights, state);
            floorKey = (uint)(c >> 24);
        }
        int m = CollectSurvivors(y, vocab, floorKey, warpMode, list, values, ints);

        // Top-p: HF removes, in ascending order, while the cumulative softmax is <= 1 - p; keep min_tokens_to_keep.
        if (p.TopPOn != 0 && m > 1)
        {
            float local = 0f;
            for (int j = tid; j < m; j += groupSize) local += XMath.Exp(values[j] - max);
            float scale = SamplingSelect.FixedPointOne / SamplingBlock.Sum(local, floats);
            ulong cut = SamplingSelect.Crossing(values, list, m, false, false, max, scale, p.TopPThreshold, false,
                counts, weights, state);
            if (cut == SamplingSelect.None || p.MinTokensToKeep > 1)
            {
                ulong largest = LargestCut(values, list, m, p.MinTokensToKeep, max, counts, weights, state);
                if (largest < cut) cut = largest;
            }
            m = Compact(list, values, nextList, nextValues, y, m, cut, 2f, max, warpMode, ints);
            var swapList = list; list = nextList; nextList = swapList;
            var swapValues = values; values = nextValues; nextValues = swapValues;
        }

        // Min-p: remove exp(x - max) < min_p, keeping min_tokens_to_keep.
        if (p.MinP > 0f && m > 0)
        {
            ulong cut = p.MinTokensToKeep > 1
                ? LargestCut(values, list, m, p.MinTokensToKeep, max, counts, weights, state)
                : SamplingSelect.None;
            m = Compact(list, values, nextList, nextValues, y, m, cut, p.MinP, max, warpMode, ints);
            list = nextList;
            values = nextValues;
        }

        if (p.Mode == SamplingParameters.ModeSample)
        {
            int token = Draw(values, list, m, max, Philox.Uniform(p.Seed, p.Step, (uint)row, 0), floats, ints, lastSums);
            if (tid == 0) tokens[row] = token;
        }
    }

    public const int MaxGroupSize = 1024;

    /// <summary>The composite cut that keeps the <paramref name="keep"/> largest of the list (0: keep all).</summary>
    private static ulong LargestCut(ArrayView<float> values, ArrayView<int> list, int m, int keep, float max,
        ArrayView<int> counts, ArrayView<ulong> weights, ArrayView<ulong> state) =>
        keep >= m
            ? 0UL
            : SamplingSelect.Crossing(values, list, m, false, true, max, 0f, (ulong)(m - keep), false, counts, weights, state);

    /// <summary>
    /// Entries of the row that are not -infinity and whose key is &gt;= floorKey, in index order, into the list;
    /// returns how many. Each thread owns a contiguous slice: count, one scan for the offsets, write (in warp mode
    /// the others become -infinity in the row).
    /// </summary>
    private static int CollectSurvivors(ArrayView<float> y, int vocab, uint floorKey, bool warpMode,
        ArrayView<int> list, ArrayView<float> values, ArrayView<int> ints)
    {
        SamplingBlock.Chunk(vocab, out int begin, out int end);
        int count = 0;
        for (int i = begin; i < end; i++)
        {
            float v = y[i];
            if (!SamplingBlock.IsMinusInfinity(v) && SamplingBlock.Key(v) >= floorKey) count++;
        }
        int at = SamplingBlock.ExclusiveScan(count, ints, out int total);
        for (int i = begin; i < end; i++)
        {
            float v = y[i];
            if (!SamplingBlock.IsMinusInfinity(v) && SamplingBlock.Key(v) >= floorKey)
            {
                list[at] = i;
                values[at] = v;
                at++;
            }
            else if (warpMode) y[i] = float.NegativeInfinity;
        }
        Group.Barrier();
        return total;
    }

    /// <summary>
    /// Copies, in order, list entries with composite &gt;= cut or exp(v - max) &gt;= minWeight (2: never) to the next
    /// list; in warp mode the removed become -infinity in the row. Returns how many were kept.
    /// </summary>
    private static int Compact(ArrayView<int> list, ArrayView<float> values, ArrayView<int> nextList, ArrayView<float> nextValues,
        ArrayView<float> y, int m, ulong cut, float minWeight, float max, bool warpMode, ArrayView<int> ints)
    {
        SamplingBlock.Chunk(m, out int begin, out int end);
        int count = 0;
        for (int j = begin; j < end; j++)
            if (Keep(values[j], list[j], cut, minWeight, max)) count++;
        int at = SamplingBlock.ExclusiveScan(count, ints, out int total);
        for (int j = begin; j < end; j++)
        {
            float v = values[j];
            int index = list[j];
            if (Keep(v, index, cut, minWeight, max))
            {
                nextList[at] = index;
                nextValues[at] = v;
                at++;
            }
            else if (warpMode) y[index] = float.NegativeInfinity;
        }
        Group.Barrier();
        return total;
    }

    private static bool Keep(float v, int index, ulong cut, float minWeight, float max) =>
        SamplingBlock.Composite(v, index) >= cut || (minWeight <= 1f && XMath.Exp(v - max) >= minWeight);

    /// <summary>
    /// Inverse-CDF draw in index order. Each thread owns a contiguous slice; c_j = (exclusive scan of the slice
    /// sums) + (running sum within the slice), the total is c of the last element, and the token is the first j
    /// with c_j &gt; u * total while c_(j-1) &lt;= u * total. -1 when nothing is kept.
    /// </summary>
    private static int Draw(ArrayView<float> values, ArrayView<int> list, int m, float max, float u,
        ArrayView<float> floats, ArrayView<int> ints, ArrayView<float> lastSums)
    {
        if (m == 0) return -1;
        int tid = Group.IdxX;
        SamplingBlock.Chunk(m, out int begin, out int end);
        float own = 0f;
        for (int j = begin; j < end; j++) own += XMath.Exp(values[j] - max);
        float offset = SamplingBlock.ExclusiveScan(own, floats);
        float last = offset + own;
        lastSums[tid] = last;
        if (begin < end && end == m) floats[SamplingBlock.WarpSize] = last;
        if (tid == 0) ints[SamplingBlock.WarpSize] = int.MaxValue;
        Group.Barrier();
        float target = u * floats[SamplingBlock.WarpSize];
        float previous = tid == 0 ? 0f : lastSums[tid - 1];
        float running = 0f;
        for (int j = begin; j < end; j++)
        {
            running += XMath.Exp(values[j] - max);
            float c = offset + running;
            if (c > target && previous <= target)
            {
                Atomic.Min(ref ints[SamplingBlock.WarpSize], j);
                break;
            }
            previous = c;
        }
        Group.Barrier();
        int found = ints[SamplingBlock.WarpSize];
        Group.Barrier();
        return list[found == int.MaxValue ? m - 1 : found];
    }

    /// <summary>
    /// Index of the largest value of each row, first wins ties; NaN counts as the largest (first NaN wins), as
    /// torch.argmax, or gives -1 when <paramref name="nanGivesMinusOne"/> (sampling's rule).
    /// </summary>
    public static void ArgmaxRows(ArrayView<float> logits, ArrayView<int> tokens, int vocab, int nanGivesMinusOne)
    {
        var bestValues = SharedMemory.Allocate<float>(SamplingBlock.WarpSize);
        var bestIndices = SharedMemory.Allocate<int>(SamplingBlock.WarpSize);
        int row = Grid.IdxX, tid = Group.IdxX, groupSize = Group.DimX;
        var x = logits.SubView((long)row * vocab, vocab);

        float best = float.NegativeInfinity;
        int at = int.MaxValue;
        for (int i = tid; i < vocab; i += groupSize)
            if (Better(x[i], i, best, at))
            {
                best = x[i];
                at = i;
            }
        for (int d = SamplingBlock.WarpSize / 2; d >= 1; d /= 2)
        {
            float v = Warp.ShuffleDown(best, d);
            int i = Warp.ShuffleDown(at, d);
            if (Better(v, i, best, at))
            {
                best = v;
                at = i;
            }
        }
        if (Warp.LaneIdx == 0)
        {
            bestValues[Warp.WarpIdx] = best;
            bestIndices[Warp.WarpIdx] = at;
        }
        Group.Barrier();
        if (Warp.WarpIdx != 0) return;
        int warps = groupSize / SamplingBlock.WarpSize;
        best = Warp.LaneIdx < warps ? bestValues[Warp.LaneIdx] : float.NegativeInfinity;
        at = Warp.LaneIdx < warps ? bestIndices[Warp.LaneIdx] : int.MaxValue;
        for (int d = SamplingBlock.WarpSize / 2; d >= 1; d /= 2)
        {
            float v = Warp.ShuffleDown(best, d);
            int i = Warp.ShuffleDown(at, d);
            if (Better(v, i, best, at))
            {
                best = v;
                at = i;
            }
        }
        if (Warp.LaneIdx == 0)
            tokens[row] = nanGivesMinusOne != 0 && IsNaN(best) ? -1 : at;
    }

    private static bool IsNaN(float x) => (Interop.FloatAsInt(x) & 0x7FFFFFFFu) > 0x7F800000u;

    /// <summary>(a, ia) beats (b, ib): NaN first, then the larger value, then the smaller index.</summary>
    private static bool Better(float a, int ia, float b, int ib)
    {
        bool aNaN = IsNaN(a), bNaN = IsNaN(b);
        if (aNaN != bNaN) return aNaN;
        if (!aNaN && a != b) return a > b;
        return ia < ib;
    }
}
