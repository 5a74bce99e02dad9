using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace LlmLab.Backends.Cpu.Kernels;

/// <summary>
/// y = x / sqrt(mean(x^2) + eps) * weight over one row (Hugging Face's LlamaRMSNorm order: normalise, then weight),
/// the sum of squares in the fixed order of <see cref="BlockedSum"/>.
/// </summary>
internal static class RmsNorm
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Row(ReadOnlySpan<float> x, ReadOnlySpan<float> weight, float epsilon, Span<float> y)
    {
        float inverseRms = 1f / MathF.Sqrt(BlockedSum.Squares(x) / x.Length + epsilon);
        var r = Vector256.Create(inverseRms);
        int i = 0;
        for (; i <= x.Length - 8; i += 8)
            (Vector256.Create(x.Slice(i, 8)) * r * Vector256.Create(weight.Slice(i, 8))).CopyTo(y.Slice(i, 8));
        for (; i < x.Length; i++)
            y[i] = x[i] * inverseRms * weight[i];
    }

    /// <summary>
    /// Backward of one row: 1/rms recomputed as <see cref="Row"/> does, then with xhat = x / rms and g = dy weight,
    /// dx = (g - xhat mean(g xhat)) / rms. Adds dy xhat to <paramref name="weightGradient"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void BackwardRow(ReadOnlySpan<float> x, ReadOnlySpan<float> weight, ReadOnlySpan<float> dy, float epsilon,
        Span<float> dx, Span<float> xhat, Span<float> g, Span<float> weightGradient)
    {
        float inverseRms = 1f / MathF.Sqrt(BlockedSum.Squares(x) / x.Length + epsilon);
        System.Numerics.Tensors.TensorPrimitives.Multiply(x, inverseRms, xhat);
        NormGradient.Input(xhat, weight, dy, inverseRms, null, dx, g);
        NormGradient.Accumulate(xhat, dy, weightGradient);
    }
}
