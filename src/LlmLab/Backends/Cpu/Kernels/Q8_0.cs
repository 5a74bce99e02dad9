using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using LlmLab.Numerics;

namespace LlmLab.Backends.Cpu.Kernels;

/// <summary>
/// ggml Q8_0, as quantize_row_q8_0_ref: per block of 32, d = amax / 127, id = d != 0 ? 1 / d : 0,
/// q = roundf(x * id); the block is fp16(d) little-endian then the 32 signed bytes. Dequantised as q * fp16(d).
/// A block so small (amax below about 3.7e-37) that 1 / d overflows writes zero quants, as ggml's x86 build does
/// (C's int8_t of an infinite float is 0 there); its fp16(d) is 0 either way.
/// </summary>
internal static class Q8_0
{
    public const int BlockLength = 32, BlockBytes = 34;

    public static void Quantize(ReadOnlySpan<float> x, Span<byte> blocks)
    {
        for (int b = 0; b < x.Length / BlockLength; b++)
        {
            var v = x.Slice(b * BlockLength, BlockLength);
            var block = blocks.Slice(b * BlockBytes, BlockBytes);
            var x0 = Vector256.Create(v[..8]);
            var x1 = Vector256.Create(v.Slice(8, 8));
            var x2 = Vector256.Create(v.Slice(16, 8));
            var x3 = Vector256.Create(v.Slice(24, 8));
            float amax = Max(Vector256.Max(Vector256.Max(Vector256.Abs(x0), Vector256.Abs(x1)), Vector256.Max(Vector256.Abs(x2), Vector256.Abs(x3))));
            float d = amax / 127f;
            float id = d != 0f ? 1f / d : 0f;
            BinaryPrimitives.WriteUInt16LittleEndian(block, Fp16.FromSingle(d));
            if (float.IsInfinity(id))
            {
                block[2..].Clear();
                continue;
            }
            var s = Vector256.Create(id);
            QuantRounding.PackSBytes(
                QuantRounding.RoundHalfAway(x0 * s), QuantRounding.RoundHalfAway(x1 * s),
                QuantRounding.RoundHalfAway(x2 * s), QuantRounding.RoundHalfAway(x3 * s))
                .CopyTo(MemoryMarshal.Cast<byte, sbyte>(block[2..]));
        }
    }

    public static void Dequantize(ReadOnlySpan<byte> blocks, Span<float> y)
    {
        for (int b = 0; b < y.Length / BlockLength; b++)
        {
            var block = blocks.Slice(b * BlockBytes, BlockBytes);
            var d = Vector256.Create(Fp16.ToSingle(BinaryPrimitives.ReadUInt16LittleEndian(block)));
            QuantRounding.Widen(Vector256.Create(MemoryMarshal.Cast<byte, sbyte>(block[2..])), out var q0, out var q1, out var q2, out var q3);
            var o = y.Slice(b * BlockLength, BlockLength);
            (Vector256.ConvertToSingle(q0) * d).CopyTo(o);
            (Vector256.ConvertToSingle(q1) * d).CopyTo(o[8..]);
            (Vector256.ConvertToSingle(q2) * d).CopyTo(o[16..]);
            (Vector256.ConvertToSingle(q3) * d).CopyTo(o[24..]);
        }
    }

    /// <summary>The largest lane (all lanes are magnitudes, so the order does not matter).</summary>
    internal static float Max(Vector256<float> v)
    {
        var h = Vector128.Max(v.GetLower(), v.GetUpper());
        return MathF.Max(MathF.Max(h[0], h[1]), MathF.Max(h[2], h[3]));
    }
}
