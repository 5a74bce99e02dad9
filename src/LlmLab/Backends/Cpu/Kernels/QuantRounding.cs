using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace LlmLab.Backends.Cpu.Kernels;

/// <summary>
/// Float to integer the way the quantised formats define it: round(x) with halves away from zero (C's roundf, as
/// ggml uses) and truncation toward zero. Vector and scalar paths agree bit for bit; NaN gives 0 and overflow
/// saturates (the .NET 9+ conversion rules), as the ILGPU kernels' integer versions do.
/// </summary>
internal static class QuantRounding
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> RoundHalfAway(Vector256<float> v)
    {
        // v - trunc(v) is exact, so comparing it with 0.5 decides halves without a second rounding.
        var t = Vector256.Truncate(v);
        var up = Vector256.GreaterThanOrEqual(Vector256.Abs(v - t), Vector256.Create(0.5f));
        var rounded = t + (up & Vector256.CopySign(Vector256<float>.One, v));
        return Vector256.ConvertToInt32(rounded);
    }

    public static int RoundHalfAway(float v) => (int)MathF.Round(v, MidpointRounding.AwayFromZero);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Clamp(Vector256<int> v, int min, int max) =>
        Vector256.Min(Vector256.Max(v, Vector256.Create(min)), Vector256.Create(max));

    /// <summary>Four vectors of ints in [-128, 127] packed to 32 signed bytes, in order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<sbyte> PackSBytes(Vector256<int> a, Vector256<int> b, Vector256<int> c, Vector256<int> d) =>
        Vector256.Narrow(Vector256.Narrow(a, b), Vector256.Narrow(c, d));

    /// <summary>32 signed bytes widened to four vectors of ints, in order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Widen(Vector256<sbyte> q, out Vector256<int> a, out Vector256<int> b, out Vector256<int> c, out Vector256<int> d)
    {
        var (lo, hi) = Vector256.Widen(q);
        (a, b) = Vector256.Widen(lo);
        (c, d) = Vector256.Widen(hi);
    }
}
