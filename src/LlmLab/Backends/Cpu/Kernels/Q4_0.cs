using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.Intrinsics;
using LlmLab.Numerics;

namespace LlmLab.Backends.Cpu.Kernels;

/// <summary>
/// ggml Q4_0, as quantize_row_q4_0_ref: per block of 32, m = the signed value with the largest |x| (the first of
/// equals; +0 for an all-zero block), d = m / -8, id = d != 0 ? 1 / d : 0, q = min(15, (int)(x * id + 8.5)) with the
/// multiply and the add rounded separately; byte j = q[j] | q[j + 16] &lt;&lt; 4 after fp16(d). Dequantised as
/// (nibble - 8) * fp16(d). A block so small (|m| below about 2.35e-38) that 1 / d overflows writes zero nibbles, as
/// ggml's x86 build does; its fp16(d) is 0 either way.
/// </summary>
internal static class Q4_0
{
    public const int BlockLength = 32, BlockBytes = 18;

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
            var a0 = Vector256.Abs(x0);
            var a1 = Vector256.Abs(x1);
            var a2 = Vector256.Abs(x2);
            var a3 = Vector256.Abs(x3);
            float amax = Q8_0.Max(Vector256.Max(Vector256.Max(a0, a1), Vector256.Max(a2, a3)));
            float max = 0f;
            if (amax != 0f)
            {
                var target = Vector256.Create(amax);
                uint hits = Vector256.Equals(a0, target).ExtractMostSignificantBits()
                    | Vector256.Equals(a1, target).ExtractMostSignificantBits() << 8
                    | Vector256.Equals(a2, target).ExtractMostSignificantBits() << 16
                    | Vector256.Equals(a3, target).ExtractMostSignificantBits() << 24;
                if (hits != 0) max = v[BitOperations.TrailingZeroCount(hits)]; // first of equals
            }
            float d = max / -8f;
            float id = d != 0f ? 1f / d : 0f;
            BinaryPrimitives.WriteUInt16LittleEndian(block, Fp16.FromSingle(d));
            if (float.IsInfinity(id))
            {
                block[2..].Clear();
                continue;
            }
            var q0 = Nibble(x0, id);
            var q1 = Nibble(x1, id);
            var q2 = Nibble(x2, id);
            var q3 = Nibble(x3, id);
            var packed = Vector256.Narrow(q0 | Vector256.ShiftLeft(q2, 4), q1 | Vector256.ShiftLeft(q3, 4)); // 16 shorts
            Vector128.Narrow(packed.GetLower().AsUInt16(), packed.GetUpper().AsUInt16()).CopyTo(block[2..]);
        }
    }

    private static Vector256<int> Nibble(Vector256<float> x, float id)
    {
        var shifted = x * Vector256.Create(id) + Vector256.Create(8.5f); // two roundings, as ggml's C
        return QuantRounding.Clamp(Vector256.ConvertToInt32(shifted), 0, 15);
    }

    public static void Dequantize(ReadOnlySpan<byte> blocks, Span<float> y)
    {
        for (int b = 0; b < y.Length / BlockLength; b++)
        {
            var block = blocks.Slice(b * BlockBytes, BlockBytes);
            var d = Vector256.Create(Fp16.ToSingle(BinaryPrimitives.ReadUInt16LittleEndian(block)));
            QuantRounding.Widen(Unpack(Vector128.Create(block[2..])), out var q0, out var q1, out var q2, out var q3);
            var o = y.Slice(b * BlockLength, BlockLength);
            (Vector256.ConvertToSingle(q0) * d).CopyTo(o);
            (Vector256.ConvertToSingle(q1) * d).CopyTo(o[8..]);
            (Vector256.ConvertToSingle(q2) * d).CopyTo(o[16..]);
            (Vector256.ConvertToSingle(q3) * d).CopyTo(o[24..]);
        }
    }

    /// <summary>16 packed bytes to the block's 32 values q - 8 in order (low nibbles are 0..15, high 16..31).</summary>
    internal static Vector256<sbyte> Unpack(Vector128<byte> packed)
    {
        var low = packed & Vector128.Create((byte)0x0F);
        var high = Vector128.ShiftRightLogical(packed, 4);
        return (Vector256.Create(low, high) - Vector256.Create((byte)8)).AsSByte();
    }
}
