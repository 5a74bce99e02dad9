using ILGPU;
using ILGPU.Algorithms;

namespace LlmLab.Backends.Ilgpu.Kernels;

/// <summary>
/// LayerNorm and RmsNorm, one thread group per row. Each sweep keeps four independent partial sums per thread
/// (four loads in flight), the group reduces them by shuffles; LayerNorm takes the mean first, then the centred
/// squares (two sweeps, robust to a large mean), then writes. Later sweeps read the row from cache.
/// </summary>
internal static class NormKernels
{
    public static void LayerNorm(ArrayView<float> x, ArrayView<float> weight, ArrayView<float> bias, int hasBias, int length, float epsilon, ArrayView<float> y)
    {
        var slots = SharedMemory.Allocate<float>(GroupReduce.MaxWarps);
        long at = (long)Grid.IdxX * length;
        int stride = Group.DimX;

        float s0 = 0f, s1 = 0f, s2 = 0f, s3 = 0f;
        int j = Group.IdxX;
        for (; j + 3 * stride < length; j += 4 * stride)
        {
            s0 += x[at + j];
            s1 += x[at + j + stride];
            s2 += x[at + j + 2 * stride];
            s3 += x[at + j + 3 * stride];
        }
        for (; j < length; j += stride) s0 += x[at + j];
        float mean = GroupReduce.Sum((s0 + s1) + (s2 + s3), slots) / length;

        s0 = s1 = s2 = s3 = 0f;
        j = Group.IdxX;
        for (; j + 3 * stride < length; j += 4 * stride)
        {
            float d0 = x[at + j] - mean, d1 = x[at + j + stride] - mean;
            float d2 = x[at + j + 2 * stride] - mean, d3 = x[at + j + 3 * stride] - mean;
            s0 += d0 * d0;
            s1 += d1 * d1;
            s2 += d2 * d2;
            s3 += d3 * d3;
        }
        for (; j < length; j += stride)
        {
            float d = x[at + j] - mean;
            s0 += d * d;
        }
        float variance = GroupReduce.Sum((s0 + s1) + (s2 + s3), slots) / length;
        float inverseStd = 1f / XMath.Sqrt(variance + epsilon);

        for (j = Group.IdxX; j < length; j += stride)
            y[at + j] = (x[at + j] - mean) * inverseStd * weight[j] + (hasBias != 0 ? bias[j] : 0f);
    }

    public static void RmsNorm(ArrayView<float> x, ArrayView<float> weight, int length, float epsilon, ArrayView<float> y)
    {
        var slots = SharedMemory.Allocate<float>(GroupReduce.MaxWarps);
        long at = (long)Grid.IdxX * length;
        int stride = Group.DimX;

        float s0 = 0f, s1 = 0f, s2 = 0f, s3 = 0f;
        int j = Group.IdxX;
        for (; j + 3 * stride < length; j += 4 * stride)
        {
            float v0 = x[at + j], v1 = x[at + j + stride], v2 = x[at + j + 2 * stride], v3 = x[at + j + 3 * stride];
            s0 += v0 * v0;
            s1 += v1 * v1;
            s2 += v2 * v2;
            s3 += v3 * v3;
        }
        for (; j < length; j += stride)
        {
            float v = x[at + j];
            s0 += v * v;
        }
        float meanSquare = GroupReduce.Sum((s0 + s1) + (s2 + s3), slots) / length;
        float inverseRms = 1f / XMath.Sqrt(meanSquare + epsilon);

        for (j = Group.IdxX; j < length; j += stride)
            y[at + j] = x[at + j] * inverseRms * weight[j];
    }
}
