using ILGPU;
using ILGPU.Algorithms;

namespace LlmLab.Backends.Ilgpu.Kernels;

/// <summary>
/// LayerNorm and RmsNorm and their backward passes, one thread group per row. Each sweep keeps four independent
/// partial sums per thread (four loads in flight), the group reduces them by shuffles; LayerNorm takes the mean
/// first, then the centred squares (two sweeps, robust to a large mean), then writes. Later sweeps read the row from
/// cache. The backward kernels recompute the statistics with the same sweeps, so they see the forward's bits.
/// </summary>
internal static class NormKernels
{
    public static void LayerNorm(ArrayView<float> x, ArrayView<float> weight, ArrayView<float> bias, int hasBias, int length, float epsilon, ArrayView<float> y)
    {
        var slots = SharedMemory.Allocate<float>(GroupReduce.MaxWarps);
        long at = (long)Grid.IdxX * length;
        float mean = Sum(x, at, length, slots) / length;
        float inverseStd = 1f / XMath.Sqrt(CentredSquares(x, at, length, mean, slots) / length + epsilon);
        for (int j = Group.IdxX; j < length; j += Group.DimX)
            y[at + j] = (x[at + j] - mean) * inverseStd * weight[j] + (hasBias != 0 ? bias[j] : 0f);
    }

    public static void RmsNorm(ArrayView<float> x, ArrayView<float> weight, int length, float epsilon, ArrayView<float> y)
    {
        var slots = SharedMemory.Allocate<float>(GroupReduce.MaxWarps);
        long at = (long)Grid.IdxX * length;
        float inverseRms = 1f / XMath.Sqrt(Squares(x, at, length, slots) / length + epsilon);
        for (int j = Group.IdxX; j < length; j += Group.DimX)
            y[at + j] = x[at + j] * inverseRms * weight[j];
    }

    /// <summary>
    /// Backward of one row (isLayerNorm 0: RmsNorm): with xhat the normalised row and g = dy weight,
    /// dx = (g - mean(g) - xhat mean(g xhat)) / std (RmsNorm: no mean(g) term). Writes dy xhat to
    /// <paramref name="weightTerms"/> [rows, length] for a fixed-order column sum afterwards (no atomics).
    /// </summary>
    public static void Backward(ArrayView<float> x, ArrayView<float> weight, ArrayView<float> dy, int isLayerNorm, int length, float epsilon,
        ArrayView<float> dx, ArrayView<float> weightTerms)
    {
        var slots = SharedMemory.Allocate<float>(GroupReduce.MaxWarps);
        long at = (long)Grid.IdxX * length;
        float mean = 0f, inverseStd;
        if (isLayerNorm != 0)
        {
            mean = Sum(x, at, length, slots) / length;
            inverseStd = 1f / XMath.Sqrt(CentredSquares(x, at, length, mean, slots) / length + epsilon);
        }
        else
        {
            inverseStd = 1f / XMath.Sqrt(Squares(x, at, length, slots) / length + epsilon);
        }

        float sg0 = 0f, sg1 = 0f, sgx0 = 0f, sgx1 = 0f;
        int stride = Group.DimX;
        int j = Group.IdxX;
        for (; j + stride < length; j += 2 * stride)
        {
            float g0 = dy[at + j] * weight[j], g1 = dy[at + j + stride] * weight[j + stride];
            sg0 += g0;
            sg1 += g1;
            sgx0 += g0 * ((x[at + j] - mean) * inverseStd);
            sgx1 += g1 * ((x[at + j + stride] - mean) * inverseStd);
        }
        if (j < length)
        {
            float g = dy[at + j] * weight[j];
            sg0 += g;
            sgx0 += g * ((x[at + j] - mean) * inverseStd);
        }
        float meanG = isLayerNorm != 0 ? GroupReduce.Sum(sg0 + sg1, slots) / length : 0f;
        float meanGX = GroupReduce.Sum(sgx0 + sgx1, slots) / length;

        for (j = Group.IdxX; j < length; j += stride)
        {
            float xhat = (x[at + j] - mean) * inverseStd;
            float d = dy[at + j];
            dx[at + j] = (d * weight[j] - meanG - xhat * meanGX) * inverseStd;
            weightTerms[at + j] = d * xhat;
        }
    }

    /// <summary>The row's sum, in every thread.</summary>
    private static float Sum(ArrayView<float> x, long at, int length, ArrayView<float> slots)
    {
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
        return GroupReduce.Sum((s0 + s1) + (s2 + s3), slots);
    }

    /// <summary>The row's sum of (x - mean)^2, in every thread.</summary>
    private static float CentredSquares(ArrayView<float> x, long at, int length, float mean, ArrayView<float> slots)
    {
        int stride = Group.DimX;
        float s0 = 0f, s1 = 0f, s2 = 0f, s3 = 0f;
        int j = Group.IdxX;
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
        return GroupReduce.Sum((s0 + s1) + (s2 + s3), slots);
    }

    /// <summary>The row's sum of x^2, in every thread.</summary>
    private static float Squares(ArrayView<float> x, long at, int length, ArrayView<float> slots)
    {
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
        return GroupReduce.Sum((s0 + s1) + (s2 + s3), slots);
    }
}
