using System.Numerics.Tensors;
using System.Runtime.Intrinsics;

namespace LlmLab.Backends.Cpu.Kernels;

/// <summary>
/// Zero-point (asymmetric) int8 over a whole tensor: scale = 255 / (max - min) (1 when max == min), zero point
/// zp = round(-min * scale) - 128 so min lands on -128, q = clamp(round(x * scale) + zp, -128, 127), dequantised as
/// (q - zp) / scale. Rounding is halves away from zero; the integer sums are kept within +-2^30 so a tensor whose
/// range is tiny against its magnitude saturates instead of wrapping.
/// </summary>
internal static class Int8ZeroPoint
{
    public const int Limit = 1 << 30;

    public static (float Min, float Max) Range(ReadOnlySpan<float> x) =>
        x.IsEmpty ? (float.PositiveInfinity, float.NegativeInfinity) : (TensorPrimitives.Min(x), TensorPrimitives.Max(x));

    public static (float Scale, int ZeroPoint) Parameters(float min, float max)
    {
        if (min > max) return (1f, -128); // empty tensor
        float scale = max == min ? 1f : 255f / (max - min);
        int zeroPoint = Math.Clamp(QuantRounding.RoundHalfAway(-min * scale), -Limit, Limit) - 128;
        return (scale, zeroPoint);
    }

    public static void Quantize(ReadOnlySpan<float> x, float scale, int zeroPoint, Span<sbyte> q)
    {
        var s = Vector256.Create(scale);
        var zp = Vector256.Create(zeroPoint);
        int i = 0;
        for (; i <= x.Length - 32; i += 32)
        {
            var a = Shift(Vector256.Create(x.Slice(i, 8)) * s, zp);
            var b = Shift(Vector256.Create(x.Slice(i + 8, 8)) * s, zp);
            var c = Shift(Vector256.Create(x.Slice(i + 16, 8)) * s, zp);
            var d = Shift(Vector256.Create(x.Slice(i + 24, 8)) * s, zp);
            QuantRounding.PackSBytes(a, b, c, d).CopyTo(q.Slice(i, 32));
        }
        for (; i < x.Length; i++)
            q[i] = (sbyte)Math.Clamp(Math.Clamp(QuantRounding.RoundHalfAway(x[i] * scale), -Limit, Limit) + zeroPoint, -128, 127);
    }

    private static Vector256<int> Shift(Vector256<float> scaled, Vector256<int> zeroPoint) =>
        QuantRounding.Clamp(QuantRounding.Clamp(QuantRounding.RoundHalfAway(scaled), -Limit, Limit) + zeroPoint, -128, 127);

    /// <summary>y = (q - zp) / scale.</summary>
    public static void Dequantize(ReadOnlySpan<sbyte> q, float scale, int zeroPoint, Span<float> y)
    {
        for (int i = 0; i < q.Length; i++) y[i] = (q[i] - zeroPoint) / scale;
    }
}
