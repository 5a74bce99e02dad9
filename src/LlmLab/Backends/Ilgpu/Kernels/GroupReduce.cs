using ILGPU;

namespace LlmLab.Backends.Ilgpu.Kernels;

/// <summary>
/// Reductions over one thread group (one row): a butterfly of warp shuffles, one shared slot per warp, then every
/// warp folds the slots itself, so all threads get the result with one barrier and no second broadcast. The order
/// is fixed (no atomics), so a row's result does not change from run to run.
/// </summary>
internal static class GroupReduce
{
    /// <summary>Shared slots per reduction: one per warp of a group of up to 1024 threads.</summary>
    public const int MaxWarps = 32;

    /// <summary>Threads for one row: about 8 elements a thread, between one warp and 1024.</summary>
    public static int ThreadsPerRow(int length)
    {
        int threads = 32;
        while (threads < 1024 && threads * 8 < length) threads *= 2;
        return threads;
    }

    public static float WarpSum(float v)
    {
        for (int lane = Warp.WarpSize / 2; lane > 0; lane >>= 1) v += Warp.ShuffleXor(v, lane);
        return v;
    }

    /// <summary>Sum of v over the group, in every thread. <paramref name="slots"/>: shared, <see cref="MaxWarps"/> long.</summary>
    public static float Sum(float v, ArrayView<float> slots)
    {
        v = WarpSum(v);
        if (Warp.IsFirstLane) slots[Warp.WarpIdx] = v;
        Group.Barrier();
        int warps = (Group.DimX + Warp.WarpSize - 1) / Warp.WarpSize;
        v = WarpSum(Warp.LaneIdx < warps ? slots[Warp.LaneIdx] : 0f);
        Group.Barrier(); // the slots are free again for the next reduction
        return v;
    }

    public static RunningSoftmax WarpMerge(RunningSoftmax s)
    {
        for (int lane = Warp.WarpSize / 2; lane > 0; lane >>= 1)
            s = s.Merge(new RunningSoftmax(Warp.ShuffleXor(s.Max, lane), Warp.ShuffleXor(s.Sum, lane)));
        return s;
    }

    /// <summary>The group's softmax statistics, in every thread.</summary>
    public static RunningSoftmax Merge(RunningSoftmax s, ArrayView<float> maxSlots, ArrayView<float> sumSlots)
    {
        s = WarpMerge(s);
        if (Warp.IsFirstLane)
        {
            maxSlots[Warp.WarpIdx] = s.Max;
            sumSlots[Warp.WarpIdx] = s.Sum;
        }
        Group.Barrier();
        int warps = (Group.DimX + Warp.WarpSize - 1) / Warp.WarpSize;
        s = Warp.LaneIdx < warps
            ? new RunningSoftmax(maxSlots[Warp.LaneIdx], sumSlots[Warp.LaneIdx])
            : new RunningSoftmax(float.NegativeInfinity, 0f);
        s = WarpMerge(s);
        Group.Barrier();
        return s;
    }
}
