using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace LlmLab.Backends.Cpu.Kernels;

/// <summary>
/// y = (x - mean) / sqrt(var + eps) * weight + bias over one row, var biased (divided by n) as PyTorch. Two sums
/// (the mean, then the centred squares, so a large mean does not cancel the variance away) in the fixed order of
/// <see cref="BlockedSum"/>, then one pass that writes; the tail uses the same FMA as the vector loop.
/// </summary>
internal static class LayerNorm
{
    /// <summary>One row; an empty <paramref name="bias"/> means none.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Row(ReadOnlySpan<float> x, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, float epsilon, Span<float> y)
    {
        int n = x.Length;
        float mean = BlockedSum.Sum(x) / n;
        float variance = BlockedSum.CentredSquares(x, mean) / n;
        float inverseStd = 1f / MathF.Sqrt(variance + epsilon);
        var m = Vector256.Create(mean);
        var s = Vector256.Create(inverseStd);
        bool hasBias = !bias.IsEmpty;
        int i = 0;
        for (; i <= n - 8; i += 8)
        {
            var normalised = (Vector256.Create(x.Slice(i, 8)) - m) * s;
            var w = Vector256.Create(weight.Slice(i, 8));
            (hasBias ? Vector256.FusedMultiplyAdd(normalised, w, Vector256.Create(bias.Slice(i, 8))) : normalised * w).CopyTo(y.Slice(i, 8));
        }
        for (; i < n; i++)
        {
            float normalised = (x[i] - mean) * inverseStd;
            y[i] = hasBias ? MathF.FusedMultiplyAdd(normalised, weight[i], bias[i]) : normalised * weight[i];
        }
    }

    /// <summary>
    /// Backward of one row (no bias needed): mean and 1/std recomputed from x exactly as <see cref="Row"/> does, then
    /// with xhat = (x - mean) / std and g = dy weight, dx = (g - mean(g) - xhat mean(g xhat)) / std. Adds dy xhat to
    /// <paramref name="weightGradient"/> and dy to <paramref name="biasGradient"/> (the caller sums rows in a fixed
    /// order). <paramref name="xhat"/> and <paramref name="g"/> are scratch rows.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void BackwardRow(ReadOnlySpan<float> x, ReadOnlySpan<float> weight, ReadOnlySpan<float> dy, float epsilon,
        Span<float> dx, Span<float> xhat, Span<float> g, Span<float> weightGradient, Span<float> biasGradient)
    {
        int n = x.Length;
        float mean = BlockedSum.Sum(x) / n;
        float variance = BlockedSum.CentredSquares(x, mean) / n;
        float inverseStd = 1f / MathF.Sqrt(variance + epsilon);
        System.Numerics.Tensors.TensorPrimitives.Subtract(x, mean, xhat);
        System.Numerics.Tensors.TensorPrimitives.Multiply(xhat, inverseStd, xhat);
        NormGradient.Input(xhat, weight, dy, inverseStd, BlockedSum.Sum, dx, g);
        NormGradient.Accumulate(xhat, dy, weightGradient);
        System.Numerics.Tensors.TensorPrimitives.Add(biasGradient, dy, biasGradient);
    }
}
