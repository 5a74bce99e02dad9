using System.Runtime.CompilerServices;
namespace LlmLab.Backends.Cpu.Kernels;

/// <summary>
/// Row sums for long rows: <see cref="SimdMath.Sum"/> / <see cref="SimdMath.Dot"/> over blocks of <see cref="Block"/>
/// elements, the block totals added in order. The order is fixed (the same bits on any machine and thread count),
/// and rounding grows with the block length rather than with the whole row (a 50257-wide row keeps ~1e-7 relative).
/// </summary>
internal static class BlockedSum
{
    public const int Block = 1024;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float Sum(ReadOnlySpan<float> x)
    {
        float total = 0;
        for (int start = 0; start < x.Length; start += Block)
            total += SimdMath.Sum(x.Slice(start, Math.Min(Block, x.Length - start)));
        return total;
    }

    /// <summary>Sum of x[i]^2.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float Squares(ReadOnlySpan<float> x)
    {
        float total = 0;
        for (int start = 0; start < x.Length; start += Block)
        {
            var block = x.Slice(start, Math.Min(Block, x.Length - start));
            total += SimdMath.Dot(block, block);
        }
        return total;
    }

    /// <summary>Sum of (x[i] - centre)^2, each difference rounded to float first.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float CentredSquares(ReadOnlySpan<float> x, float centre)
    {
        Span<float> d = stackalloc float[Block];
        float total = 0;
        for (int start = 0; start < x.Length; start += Block)
        {
            int n = Math.Min(Block, x.Length - start);
            System.Numerics.Tensors.TensorPrimitives.Subtract(x.Slice(start, n), centre, d[..n]);
            total += SimdMath.Dot(d[..n], d[..n]);
        }
        return total;
    }

    /// <summary>Sum of x[i] * y[i], blocked like <see cref="Sum"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float Dot(ReadOnlySpan<float> x, ReadOnlySpan<float> y)
    {
        float total = 0;
        for (int start = 0; start < x.Length; start += Block)
        {
            int n = Math.Min(Block, x.Length - start);
            total += SimdMath.Dot(x.Slice(start, n), y.Slice(start, n));
        }
        return total;
    }
}
