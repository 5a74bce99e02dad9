using System.Runtime.Intrinsics;

namespace LlmLab.Backends.Cpu.Kernels;

/// <summary>The draw and greedy choice at the end of sampling.</summary>
internal static class Sampler
{
    /// <summary>
    /// Inverse-CDF draw over the kept candidates (index order): weights exp(x - max), cumulative sums in index order
    /// (double), the first candidate whose cumulative weight exceeds u * total. -1 when nothing is kept.
    /// </summary>
    public static int Draw(ReadOnlySpan<float> row, ReadOnlySpan<int> list, float max, float u, Span<float> weights)
    {
        if (list.IsEmpty) return -1;
        double total = SoftmaxWeights.Compute(row, list, max, weights);
        double target = u * total, cumulative = 0;
        for (int j = 0; j < list.Length; j++)
        {
            cumulative += weights[j];
            if (cumulative > target) return list[j];
        }
        return list[^1]; // unreachable with u < 1; kept for rounding safety
    }

    /// <summary>Index of the largest value, first wins ties; as torch.argmax, NaN counts as the largest (first NaN wins).</summary>
    public static int Argmax(ReadOnlySpan<float> row)
    {
        float max = SimdMath.Max(row);
        if (float.IsNaN(max))
        {
            for (int i = 0; i < row.Length; i++)
                if (float.IsNaN(row[i])) return i;
        }
        int start = 0;
        var target = Vector256.Create(max);
        for (; start <= row.Length - 8; start += 8)
        {
            uint hit = Vector256.Equals(Vector256.Create(row.Slice(start, 8)), target).ExtractMostSignificantBits();
            if (hit != 0) return start + System.Numerics.BitOperations.TrailingZeroCount(hit);
        }
        for (; start < row.Length; start++)
            if (row[start] == max) return start;
        return 0;
    }
}
