using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace LlmLab.Backends.Cpu.Kernels;

/// <summary>
/// d = d + s * scale, the product rounded before the add (no FMA, in the vector loop and the tail alike), so the
/// bits match a plain scalar loop and the ILGPU kernel's formula.
/// </summary>
internal static class ScaledAdd
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(Span<float> d, ReadOnlySpan<float> s, float scale)
    {
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var k = Vector256.Create(scale);
            for (; i <= d.Length - 8; i += 8)
                (Vector256.Create(d.Slice(i, 8)) + Vector256.Create(s.Slice(i, 8)) * k).CopyTo(d.Slice(i, 8));
        }
        for (; i < d.Length; i++) d[i] = d[i] + s[i] * scale;
    }
}
