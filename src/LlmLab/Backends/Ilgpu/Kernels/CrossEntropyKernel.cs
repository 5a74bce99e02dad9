using ILGPU;
using ILGPU.Algorithms;

namespace LlmLab.Backends.Ilgpu.Kernels;

/// <summary>
/// Per-row cross-entropy, one thread group per row: the online softmax statistics in one sweep, then
/// loss = log(sum exp(x - max)) - (x[target] - max). Targets are read as 32-bit words every targetStride words: the
/// low word of an i64 target (the host has checked every target is in range or the ignore index, so it fits).
/// </summary>
internal static class CrossEntropyKernel
{
    public static void CrossEntropy(ArrayView<float> logits, ArrayView<int> targets, int targetStride, int classes, int ignoreIndex, ArrayView<float> loss)
    {
        var maxSlots = SharedMemory.Allocate<float>(GroupReduce.MaxWarps);
        var sumSlots = SharedMemory.Allocate<float>(GroupReduce.MaxWarps);
        int row = Grid.IdxX;
        int target = targets[(long)row * targetStride];
        if (target == ignoreIndex)
        {
            if (Group.IdxX == 0) loss[row] = 0f; // the whole group leaves here, before any barrier
            return;
        }
        long at = (long)row * classes;
        var stats = GroupReduce.Merge(SoftmaxKernels.Statistics(logits, at, logits.Cast<int>(), -1, classes), maxSlots, sumSlots);
        if (Group.IdxX == 0)
            loss[row] = XMath.Log(stats.Sum) - (logits[at + target] - stats.Max);
    }

    /// <summary>
    /// Cross-entropy backward, one group per row: dlogits = (softmax(row) - onehot(target)) gradLoss; an ignored row
    /// is written as zeros.
    /// </summary>
    public static void Backward(ArrayView<float> logits, ArrayView<int> targets, int targetStride, int classes, int ignoreIndex,
        ArrayView<float> gradLoss, ArrayView<float> dlogits)
    {
        var maxSlots = SharedMemory.Allocate<float>(GroupReduce.MaxWarps);
        var sumSlots = SharedMemory.Allocate<float>(GroupReduce.MaxWarps);
        int row = Grid.IdxX;
        int target = targets[(long)row * targetStride];
        long at = (long)row * classes;
        if (target == ignoreIndex)
        {
            for (int j = Group.IdxX; j < classes; j += Group.DimX) dlogits[at + j] = 0f; // no barrier on this path
            return;
        }
        var stats = GroupReduce.Merge(SoftmaxKernels.Statistics(logits, at, logits.Cast<int>(), -1, classes), maxSlots, sumSlots);
        float inverseSum = 1f / stats.Sum, g = gradLoss[row];
        for (int j = Group.IdxX; j < classes; j += Group.DimX)
        {
            float p = XMath.Exp(logits[at + j] - stats.Max) * inverseSum;
            dlogits[at + j] = (j == target ? p - 1f : p) * g;
        }
    }
}
