using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace LlmLab.Backends.Cpu.Kernels;

/// <summary>
/// Rotary embedding of one head's row in the "rotate half" layout: for i &lt; dim/2,
/// y[i] = x[i] cos - x[i + dim/2] sin and y[i + dim/2] = x[i + dim/2] cos + x[i] sin. One FMA per output, the same
/// in the vector loop and the scalar tail.
/// </summary>
internal static class Rope
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Row(ReadOnlySpan<float> x, ReadOnlySpan<float> cos, ReadOnlySpan<float> sin, Span<float> y)
    {
        int half = cos.Length;
        ReadOnlySpan<float> x1 = x[..half], x2 = x[half..];
        Span<float> y1 = y[..half], y2 = y[half..];
        int i = 0;
        for (; i <= half - 8; i += 8)
        {
            var a = Vector256.Create(x1.Slice(i, 8));
            var b = Vector256.Create(x2.Slice(i, 8));
            var c = Vector256.Create(cos.Slice(i, 8));
            var s = Vector256.Create(sin.Slice(i, 8));
            Vector256.FusedMultiplyAdd(a, c, -(b * s)).CopyTo(y1.Slice(i, 8));
            Vector256.FusedMultiplyAdd(b, c, a * s).CopyTo(y2.Slice(i, 8));
        }
        for (; i < half; i++)
        {
            float a = x1[i], b = x2[i];
            y1[i] = MathF.FusedMultiplyAdd(a, cos[i], -(b * sin[i]));
            y2[i] = MathF.FusedMultiplyAdd(b, cos[i], a * sin[i]);
        }
    }
}
