using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace LlmLab.Backends.Cpu.Kernels;

/// <summary>
/// The input gradient LayerNorm and RmsNorm share: with xhat the normalised row and g = dy weight,
/// dx = (g - mean(g) - xhat mean(g xhat)) / std (RmsNorm has no mean term). One FMA per element, the same in the
/// vector loop and the tail.
/// </summary>
internal static class NormGradient
{
    public delegate float RowSum(ReadOnlySpan<float> x);

    /// <summary><paramref name="centre"/> sums g for LayerNorm's mean term; null for RmsNorm. g is scratch.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Input(ReadOnlySpan<float> xhat, ReadOnlySpan<float> weight, ReadOnlySpan<float> dy, float inverseStd,
        RowSum? centre, Span<float> dx, Span<float> g)
    {
        int n = xhat.Length;
        System.Numerics.Tensors.TensorPrimitives.Multiply(dy, weight, g);
        float meanG = centre is null ? 0f : centre(g) / n;
        float meanGX = BlockedSum.Dot(g, xhat) / n;
        var mg = Vector256.Create(meanG);
        var mgx = Vector256.Create(-meanGX);
        var s = Vector256.Create(inverseStd);
        int i = 0;
        for (; i <= n - 8; i += 8)
            (Vector256.FusedMultiplyAdd(Vector256.Create(xhat.Slice(i, 8)), mgx, Vector256.Create(g.Slice(i, 8)) - mg) * s).CopyTo(dx.Slice(i, 8));
        for (; i < n; i++)
            dx[i] = MathF.FusedMultiplyAdd(xhat[i], -meanGX, g[i] - meanG) * inverseStd;
    }

    /// <summary>weightGradient += dy xhat (one FMA per element).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Accumulate(ReadOnlySpan<float> xhat, ReadOnlySpan<float> dy, Span<float> weightGradient)
    {
        int n = xhat.Length, i = 0;
        for (; i <= n - 8; i += 8)
            Vector256.FusedMultiplyAdd(Vector256.Create(dy.Slice(i, 8)), Vector256.Create(xhat.Slice(i, 8)), Vector256.Create(weightGradient.Slice(i, 8)))
                .CopyTo(weightGradient.Slice(i, 8));
        for (; i < n; i++)
            weightGradient[i] = MathF.FusedMultiplyAdd(dy[i], xhat[i], weightGradient[i]);
    }
}
