using System.Numerics.Tensors;
using System.Runtime.Intrinsics;

namespace LlmLab.Backends.Cpu.Kernels;

/// <summary>
/// Absmax int8 (LLM.int8): scale = 127 / max|x| (1 when the values are all zero), q = round(scale * x) with halves
/// away from zero, dequantised as q / scale.
/// </summary>
internal static class Int8Absmax
{
    /// <summary>max |x| (0 for an empty span); the max of magnitudes is exact, so no order is needed.</summary>
    public static float MaxAbs(ReadOnlySpan<float> x) => x.IsEmpty ? 0f : MathF.Abs(TensorPrimitives.MaxMagnitude(x));

    public static float Scale(float maxAbs) => maxAbs == 0f ? 1f : 127f / maxAbs;

    public static void Quantize(ReadOnlySpan<float> x, float scale, Span<sbyte> q)
    {
        var s = Vector256.Create(scale);
        int i = 0;
        for (; i <= x.Length - 32; i += 32)
        {
            var a = QuantRounding.Clamp(QuantRounding.RoundHalfAway(Vector256.Create(x.Slice(i, 8)) * s), -127, 127);
            var b = QuantRounding.Clamp(QuantRounding.RoundHalfAway(Vector256.Create(x.Slice(i + 8, 8)) * s), -127, 127);
            var c = QuantRounding.Clamp(QuantRounding.RoundHalfAway(Vector256.Create(x.Slice(i + 16, 8)) * s), -127, 127);
            var d = QuantRounding.Clamp(QuantRounding.RoundHalfAway(Vector256.Create(x.Slice(i + 24, 8)) * s), -127, 127);
            QuantRounding.PackSBytes(a, b, c, d).CopyTo(q.Slice(i, 32));
        }
        for (; i < x.Length; i++)
            q[i] = (sbyte)Math.Clamp(QuantRounding.RoundHalfAway(x[i] * scale), -127, 127);
    }

    /// <summary>y = q / scale.</summary>
    public static void Dequantize(ReadOnlySpan<sbyte> q, float scale, Span<float> y)
    {
        var s = Vector256.Create(scale);
        int i = 0;
        for (; i <= q.Length - 32; i += 32)
        {
            QuantRounding.Widen(Vector256.Create(q.Slice(i, 32)), out var a, out var b, out var c, out var d);
            (Vector256.ConvertToSingle(a) / s).CopyTo(y.Slice(i, 8));
            (Vector256.ConvertToSingle(b) / s).CopyTo(y.Slice(i + 8, 8));
            (Vector256.ConvertToSingle(c) / s).CopyTo(y.Slice(i + 16, 8));
            (Vector256.ConvertToSingle(d) / s).CopyTo(y.Slice(i + 24, 8));
        }
        for (; i < q.Length; i++) y[i] = q[i] / scale;
    }
}
