using System.Runtime.Intrinsics;

namespace LlmLab.Backends.Cpu.Kernels;

/// <summary>Unnormalised softmax weights exp(x - max) of listed candidates, by SimdMath's exp (tail padded into a
/// vector, so every element takes the same path), and their total summed in list order in double.</summary>
internal static class SoftmaxWeights
{
    public static double Compute(ReadOnlySpan<float> row, ReadOnlySpan<int> list, float max, Span<float> weights)
    {
        var shift = Vector256.Create(max);
        Span<float> lanes = stackalloc float[8];
        int j = 0;
        for (; j < list.Length; j += 8)
        {
            int n = Math.Min(8, list.Length - j);
            for (int l = 0; l < 8; l++) lanes[l] = l < n ? row[list[j + l]] : max;
            var e = SimdMath.Exp(Vector256.Create(lanes) - shift);
            e.CopyTo(lanes);
            lanes[..n].CopyTo(weights[j..]);
        }
        double total = 0;
        foreach (float w in weights[..list.Length]) total += w;
        return total;
    }
}
