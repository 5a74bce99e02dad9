using ILGPU;
using ILGPU.Algorithms;

namespace LlmLab.Backends.Ilgpu.Kernels;

/// <summary>
/// Softmax and log-softmax, one thread group per row: one sweep gathers the online max and sum (four loads in
/// flight per thread, consecutive threads on consecutive elements), the group merges them by shuffles, and a second
/// sweep (mostly from cache) writes the outputs. keepRows = 0 means no mask; otherwise the row's mask is row
/// keepRows of keep (the mask broadcasts over the leading axes). A row with nothing kept gets 0 / -infinity.
/// </summary>
internal static class SoftmaxKernels
{
    public static void Softmax(ArrayView<float> x, ArrayView<int> keep, int keepRows, int length, ArrayView<float> y) =>
        Row(x, keep, keepRows, length, y, logOutput: false);

    public static void LogSoftmax(ArrayView<float> x, ArrayView<int> keep, int keepRows, int length, ArrayView<float> y) =>
        Row(x, keep, keepRows, length, y, logOutput: true);

    private static void Row(ArrayView<float> x, ArrayView<int> keep, int keepRows, int length, ArrayView<float> y, bool logOutput)
    {
        var maxSlots = SharedMemory.Allocate<float>(GroupReduce.MaxWarps);
        var sumSlots = SharedMemory.Allocate<float>(GroupReduce.MaxWarps);
        long row = Grid.IdxX;
        long at = row * length;
        long keepAt = keepRows > 0 ? row % keepRows * length : -1;
        var stats = GroupReduce.Merge(Statistics(x, at, keep, keepAt, length), maxSlots, sumSlots);

        float max = stats.Max, inverseSum = 1f / stats.Sum, logSum = XMath.Log(stats.Sum);
        if (max == float.NegativeInfinity)
        {
            // Nothing kept: every value is -inf, so exp(v - 0) * 0 = 0 and (v - 0) - inf = -inf.
            max = 0f;
            inverseSum = 0f;
            logSum = float.PositiveInfinity;
        }
        int stride = Group.DimX;
        int j = Group.IdxX;
        for (; j + 3 * stride < length; j += 4 * stride)
        {
            float v0 = Load(x, at, keep, keepAt, j), v1 = Load(x, at, keep, keepAt, j + stride);
            float v2 = Load(x, at, keep, keepAt, j + 2 * stride), v3 = Load(x, at, keep, keepAt, j + 3 * stride);
            y[at + j] = Output(v0, max, inverseSum, logSum, logOutput);
            y[at + j + stride] = Output(v1, max, inverseSum, logSum, logOutput);
            y[at + j + 2 * stride] = Output(v2, max, inverseSum, logSum, logOutput);
            y[at + j + 3 * stride] = Output(v3, max, inverseSum, logSum, logOutput);
        }
        for (; j < length; j += stride)
            y[at + j] = Output(Load(x, at, keep, keepAt, j), max, inverseSum, logSum, logOutput);
    }

    /// <summary>This thread's share of the row's online statistics (the group still has to merge them).</summary>
    public static RunningSoftmax Statistics(ArrayView<float> x, long at, ArrayView<int> keep, long keepAt, int length)
    {
        var s = new RunningSoftmax(float.NegativeInfinity, 0f);
        int stride = Group.DimX;
        int j = Group.IdxX;
        for (; j + 3 * stride < length; j += 4 * stride)
            s = s.Add(Load(x, at, keep, keepAt, j), Load(x, at, keep, keepAt, j + stride),
                Load(x, at, keep, keepAt, j + 2 * stride), Load(x, at, keep, keepAt, j + 3 * stride));
        for (; j < length; j += stride)
            s = s.Add(Load(x, at, keep, keepAt, j));
        return s;
    }

    /// <summary>x[at + j], or -infinity where the mask drops it (keepAt &lt; 0: no mask).</summary>
    private static float Load(ArrayView<float> x, long at, ArrayView<int> keep, long keepAt, int j) =>
        keepAt >= 0 && keep[keepAt + j] == 0 ? float.NegativeInfinity : x[at + j];

    private static float Output(float v, float max, float inverseSum, float logSum, bool logOutput) =>
        logOutput ? v - max - logSum : XMath.Exp(v - max) * inverseSum;

    /// <summary>Softmax backward, one group per row: dx = y (dy - sum(dy y)).</summary>
    public static void Backward(ArrayView<float> y, ArrayView<float> dy, int length, ArrayView<float> dx)
    {
        var slots = SharedMemory.Allocate<float>(GroupReduce.MaxWarps);
        long at = (long)Grid.IdxX * length;
        float s0 = 0f, s1 = 0f;
        int stride = Group.DimX;
        int j = Group.IdxX;
        for (; j + stride < length; j += 2 * stride)
        {
            s0 += dy[at + j] * y[at + j];
            s1 += dy[at + j + stride] * y[at + j + stride];
        }
        if (j < length) s0 += dy[at + j] * y[at + j];
        float s = GroupReduce.Sum(s0 + s1, slots);
        for (j = Group.IdxX; j < length; j += stride)
            dx[at + j] = y[at + j] * (dy[at + j] - s);
    }

    /// <summary>
    /// Log-softmax backward, one group per row: dx = dy - exp(output) sum(dy), where entries whose output is
    /// -infinity (masked) get 0 and add nothing to the sum.
    /// </summary>
    public static void LogBackward(ArrayView<float> output, ArrayView<float> dy, int length, ArrayView<float> dx)
    {
        var slots = SharedMemory.Allocate<float>(GroupReduce.MaxWarps);
        long at = (long)Grid.IdxX * length;
        float s0 = 0f, s1 = 0f;
        int stride = Group.DimX;
        int j = Group.IdxX;
        for (; j + stride < length; j += 2 * stride)
        {
            s0 += output[at + j] == float.NegativeInfinity ? 0f : dy[at + j];
            s1 += output[at + j + stride] == float.NegativeInfinity ? 0f : dy[at + j + stride];
        }
        if (j < length) s0 += output[at + j] == float.NegativeInfinity ? 0f : dy[at + j];
        float s = GroupReduce.Sum(s0 + s1, slots);
        for (j = Group.IdxX; j < length; j += stride)
        {
            float o = output[at + j];
            dx[at + j] = o == float.NegativeInfinity ? 0f : dy[at + j] - XMath.Exp(o) * s;
        }
    }
}
