using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using LlmLab.Numerics;

namespace LlmLab.Backends.Cpu.Kernels;

/// <summary>
/// y = x W^T with W [N, K] quantised, dequantised block by block in registers (the f32 weight never exists).
/// A block of 32 weights becomes four float vectors w0..w3 and a factor d; for each x row,
/// p = (x0 w0 + x1 w1) + (x2 w2 + x3 w3) (lanes), acc = fma(p, d, acc), and at the end y = hsum(acc) (+ a scalar
/// tail for int8 rows whose K is not a multiple of 32) / rowScale + bias. Every output follows that one sequence, so
/// the bits do not depend on the thread split or on which x rows share a pass. Decode (a few x rows) decodes each
/// block in registers and streams the weight once; prefill decodes a chunk of weight rows once into floats that
/// every x row then reuses.
/// </summary>
internal static class QuantizedMatMul
{
    // Four x rows share a pass; from PrefillRows rows on, chunks of weight rows are decoded once into floats.
    private const int RowTile = 4, WeightRowChunk = 8, PrefillRows = 8;

    /// <summary>How one 32-value block of a weight row turns into floats.</summary>
    public interface IBlockFormat
    {
        static abstract int BlockBytes { get; }
        static abstract float Decode(ref byte block, out Vector256<float> w0, out Vector256<float> w1, out Vector256<float> w2, out Vector256<float> w3);
    }

    public readonly struct Q8_0Format : IBlockFormat
    {
        public static int BlockBytes => Kernels.Q8_0.BlockBytes;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static float Decode(ref byte block, out Vector256<float> w0, out Vector256<float> w1, out Vector256<float> w2, out Vector256<float> w3)
        {
            var q = Vector256.LoadUnsafe(ref Unsafe.As<byte, sbyte>(ref Unsafe.Add(ref block, 2)));
            ToFloats(q, out w0, out w1, out w2, out w3);
            return Fp16.ToSingle(Unsafe.ReadUnaligned<ushort>(ref block));
        }
    }

    public readonly struct Q4_0Format : IBlockFormat
    {
        public static int BlockBytes => Kernels.Q4_0.BlockBytes;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static float Decode(ref byte block, out Vector256<float> w0, out Vector256<float> w1, out Vector256<float> w2, out Vector256<float> w3)
        {
            ToFloats(Kernels.Q4_0.Unpack(Vector128.LoadUnsafe(ref Unsafe.Add(ref block, 2))), out w0, out w1, out w2, out w3);
            return Fp16.ToSingle(Unsafe.ReadUnaligned<ushort>(ref block));
        }
    }

    /// <summary>Plain int8 rows: 32 bytes a block, factor 1 (the row's scale divides at the end).</summary>
    public readonly struct Int8Format : IBlockFormat
    {
        public static int BlockBytes => 32;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static float Decode(ref byte block, out Vector256<float> w0, out Vector256<float> w1, out Vector256<float> w2, out Vector256<float> w3)
        {
            ToFloats(Vector256.LoadUnsafe(ref Unsafe.As<byte, sbyte>(ref block)), out w0, out w1, out w2, out w3);
            return 1f;
        }
    }

    /// <summary>
    /// Outputs y[m, n] for every row m of x [rows, k] and weight rows n in [nStart, nEnd). rowBytes: bytes per weight
    /// row. scales: empty (blocks), one value, or one per weight row (int8: y /= scale). bias: empty or [N].
    /// </summary>
    public static void Run<TFormat>(ReadOnlySpan<float> x, int rows, int k, ReadOnlySpan<byte> weight, int rowBytes,
        ReadOnlySpan<float> scales, ReadOnlySpan<float> bias, Span<float> y, int n, int nStart, int nEnd)
        where TFormat : struct, IBlockFormat
    {
        if (rows >= PrefillRows)
        {
            RunDecoded<TFormat>(x, rows, k, weight, rowBytes, scales, bias, y, n, nStart, nEnd);
            return;
        }
        for (int j = nStart; j < nEnd; j++)
        {
            var w = weight.Slice(j * rowBytes, rowBytes);
            int m = 0;
            for (; m + RowTile <= rows; m += RowTile)
            {
                Dot4<TFormat>(x.Slice(m * k), k, w, out float y0, out float y1, out float y2, out float y3);
                y[m * n + j] = Finish(y0, j, scales, bias);
                y[(m + 1) * n + j] = Finish(y1, j, scales, bias);
                y[(m + 2) * n + j] = Finish(y2, j, scales, bias);
                y[(m + 3) * n + j] = Finish(y3, j, scales, bias);
            }
            for (; m < rows; m++) y[m * n + j] = Finish(Dot1<TFormat>(x.Slice(m * k, k), k, w), j, scales, bias);
        }
    }

    /// <summary>
    /// Prefill: a chunk of weight rows is decoded once into floats (q) and block factors (d), then every x row
    /// runs over them. The arithmetic is the same as decoding in registers, so the bits are too.
    /// </summary>
    private static void RunDecoded<TFormat>(ReadOnlySpan<float> x, int rows, int k, ReadOnlySpan<byte> weight, int rowBytes,
        ReadOnlySpan<float> scales, ReadOnlySpan<float> bias, Span<float> y, int n, int nStart, int nEnd)
        where TFormat : struct, IBlockFormat
    {
        int blocks = k / 32;
        var decoded = System.Buffers.ArrayPool<float>.Shared.Rent(WeightRowChunk * blocks * 32);
        var factors = System.Buffers.ArrayPool<float>.Shared.Rent(WeightRowChunk * blocks);
        try
        {
            for (int chunk = nStart; chunk < nEnd; chunk += WeightRowChunk)
            {
                int chunkEnd = Math.Min(chunk + WeightRowChunk, nEnd);
                for (int j = chunk; j < chunkEnd; j++)
                {
                    ref byte wr = ref MemoryMarshal.GetReference(weight.Slice(j * rowBytes, rowBytes));
                    int o = (j - chunk) * blocks;
                    for (int b = 0; b < blocks; b++)
                    {
                        factors[o + b] = TFormat.Decode(ref Unsafe.Add(ref wr, b * TFormat.BlockBytes), out var w0, out var w1, out var w2, out var w3);
                        var dst = decoded.AsSpan((o + b) * 32, 32);
                        w0.CopyTo(dst);
                        w1.CopyTo(dst[8..]);
                        w2.CopyTo(dst[16..]);
                        w3.CopyTo(dst[24..]);
                    }
                }
                int m = 0;
                for (; m + RowTile <= rows; m += RowTile)
                {
                    int j = chunk;
                    for (; j + 1 < chunkEnd; j += 2)
                    {
                        int o = (j - chunk) * blocks;
                        Dot4x2Decoded(x.Slice(m * k), k, decoded.AsSpan(o * 32, 2 * blocks * 32), factors.AsSpan(o, 2 * blocks), blocks,
                            out var ya, out var yb);
                        for (int r = 0; r < RowTile; r++)
                        {
                            y[(m + r) * n + j] = Finish(ya[r] + Tail(x.Slice((m + r) * k, k), weight.Slice(j * rowBytes, rowBytes), blocks * 32), j, scales, bias);
                            y[(m + r) * n + j + 1] = Finish(yb[r] + Tail(x.Slice((m + r) * k, k), weight.Slice((j + 1) * rowBytes, rowBytes), blocks * 32), j + 1, scales, bias);
                        }
                    }
                    for (; j < chunkEnd; j++)
                    {
                        int o = (j - chunk) * blocks;
                        Dot4Decoded(x.Slice(m * k), k, decoded.AsSpan(o * 32, blocks * 32), factors.AsSpan(o, blocks),
                            weight.Slice(j * rowBytes, rowBytes), out float y0, out float y1, out float y2, out float y3);
                        y[m * n + j] = Finish(y0, j, scales, bias);
                        y[(m + 1) * n + j] = Finish(y1, j, scales, bias);
                        y[(m + 2) * n + j] = Finish(y2, j, scales, bias);
                        y[(m + 3) * n + j] = Finish(y3, j, scales, bias);
                    }
                }
                for (; m < rows; m++)
                    for (int j = chunk; j < chunkEnd; j++)
                        y[m * n + j] = Finish(Dot1<TFormat>(x.Slice(m * k, k), k, weight.Slice(j * rowBytes, rowBytes)), j, scales, bias);
            }
        }
        finally
        {
            System.Buffers.ArrayPool<float>.Shared.Return(decoded);
            System.Buffers.ArrayPool<float>.Shared.Return(factors);
        }
    }

    /// <summary>Four x rows against two decoded weight rows (a, then b at offset blocks * 32): each x load serves both.</summary>
    private static void Dot4x2Decoded(ReadOnlySpan<float> x, int k, ReadOnlySpan<float> w, ReadOnlySpan<float> d, int blocks,
        out Vector4 ya, out Vector4 yb)
    {
        ref float r0 = ref MemoryMarshal.GetReference(x);
        ref float r1 = ref Unsafe.Add(ref r0, k);
        ref float r2 = ref Unsafe.Add(ref r0, 2 * k);
        ref float r3 = ref Unsafe.Add(ref r0, 3 * k);
        ref float wa = ref MemoryMarshal.GetReference(w);
        ref float wb = ref Unsafe.Add(ref wa, blocks * 32);
        Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default, b0 = default, b1 = default, b2 = default, b3 = default;
        for (int b = 0; b < blocks; b++)
        {
            nuint o = (nuint)(b * 32);
            var da = Vector256.Create(d[b]);
            var db = Vector256.Create(d[blocks + b]);
            a0 = Vector256.FusedMultiplyAdd(Block(ref r0, o, ref wa), da, a0);
            b0 = Vector256.FusedMultiplyAdd(Block(ref r0, o, ref wb), db, b0);
            a1 = Vector256.FusedMultiplyAdd(Block(ref r1, o, ref wa), da, a1);
            b1 = Vector256.FusedMultiplyAdd(Block(ref r1, o, ref wb), db, b1);
            a2 = Vector256.FusedMultiplyAdd(Block(ref r2, o, ref wa), da, a2);
            b2 = Vector256.FusedMultiplyAdd(Block(ref r2, o, ref wb), db, b2);
            a3 = Vector256.FusedMultiplyAdd(Block(ref r3, o, ref wa), da, a3);
            b3 = Vector256.FusedMultiplyAdd(Block(ref r3, o, ref wb), db, b3);
        }
        ya = new Vector4(Sum(a0), Sum(a1), Sum(a2), Sum(a3));
        yb = new Vector4(Sum(b0), Sum(b1), Sum(b2), Sum(b3));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Block(ref float x, nuint o, ref float w)
    {
        var p01 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref x, o + 8), Vector256.LoadUnsafe(ref w, o + 8), Vector256.LoadUnsafe(ref x, o) * Vector256.LoadUnsafe(ref w, o));
        var p23 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref x, o + 24), Vector256.LoadUnsafe(ref w, o + 24), Vector256.LoadUnsafe(ref x, o + 16) * Vector256.LoadUnsafe(ref w, o + 16));
        return p01 + p23;
    }

    private static void Dot4Decoded(ReadOnlySpan<float> x, int k, ReadOnlySpan<float> w, ReadOnlySpan<float> d, ReadOnlySpan<byte> raw,
        out float y0, out float y1, out float y2, out float y3)
    {
        ref float r0 = ref MemoryMarshal.GetReference(x);
        ref float r1 = ref Unsafe.Add(ref r0, k);
        ref float r2 = ref Unsafe.Add(ref r0, 2 * k);
        ref float r3 = ref Unsafe.Add(ref r0, 3 * k);
        ref float wr = ref MemoryMarshal.GetReference(w);
        Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
        for (int b = 0; b < d.Length; b++)
        {
            nuint o = (nuint)(b * 32);
            var w0 = Vector256.LoadUnsafe(ref wr, o);
            var w1 = Vector256.LoadUnsafe(ref wr, o + 8);
            var w2 = Vector256.LoadUnsafe(ref wr, o + 16);
            var w3 = Vector256.LoadUnsafe(ref wr, o + 24);
            var dv = Vector256.Create(d[b]);
            a0 = Vector256.FusedMultiplyAdd(Block(ref r0, o, w0, w1, w2, w3), dv, a0);
            a1 = Vector256.FusedMultiplyAdd(Block(ref r1, o, w0, w1, w2, w3), dv, a1);
            a2 = Vector256.FusedMultiplyAdd(Block(ref r2, o, w0, w1, w2, w3), dv, a2);
            a3 = Vector256.FusedMultiplyAdd(Block(ref r3, o, w0, w1, w2, w3), dv, a3);
        }
        int from = d.Length * 32;
        y0 = Sum(a0) + Tail(x[..k], raw, from);
        y1 = Sum(a1) + Tail(x.Slice(k, k), raw, from);
        y2 = Sum(a2) + Tail(x.Slice(2 * k, k), raw, from);
        y3 = Sum(a3) + Tail(x.Slice(3 * k, k), raw, from);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Finish(float dot, int j, ReadOnlySpan<float> scales, ReadOnlySpan<float> bias)
    {
        if (!scales.IsEmpty) dot /= scales[scales.Length == 1 ? 0 : j];
        return bias.IsEmpty ? dot : dot + bias[j];
    }

    private static void Dot4<TFormat>(ReadOnlySpan<float> x, int k, ReadOnlySpan<byte> w, out float y0, out float y1, out float y2, out float y3)
        where TFormat : struct, IBlockFormat
    {
        ref float r0 = ref MemoryMarshal.GetReference(x);
        ref float r1 = ref Unsafe.Add(ref r0, k);
        ref float r2 = ref Unsafe.Add(ref r0, 2 * k);
        ref float r3 = ref Unsafe.Add(ref r0, 3 * k);
        ref byte wr = ref MemoryMarshal.GetReference(w);
        Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
        int blocks = k / 32;
        for (int b = 0; b < blocks; b++)
        {
            float d = TFormat.Decode(ref Unsafe.Add(ref wr, b * TFormat.BlockBytes), out var w0, out var w1, out var w2, out var w3);
            var dv = Vector256.Create(d);
            nuint o = (nuint)(b * 32);
            a0 = Vector256.FusedMultiplyAdd(Block(ref r0, o, w0, w1, w2, w3), dv, a0);
            a1 = Vector256.FusedMultiplyAdd(Block(ref r1, o, w0, w1, w2, w3), dv, a1);
            a2 = Vector256.FusedMultiplyAdd(Block(ref r2, o, w0, w1, w2, w3), dv, a2);
            a3 = Vector256.FusedMultiplyAdd(Block(ref r3, o, w0, w1, w2, w3), dv, a3);
        }
        y0 = Sum(a0) + Tail(x[..k], w, blocks * 32);
        y1 = Sum(a1) + Tail(x.Slice(k, k), w, blocks * 32);
        y2 = Sum(a2) + Tail(x.Slice(2 * k, k), w, blocks * 32);
        y3 = Sum(a3) + Tail(x.Slice(3 * k, k), w, blocks * 32);
    }

    private static float Dot1<TFormat>(ReadOnlySpan<float> x, int k, ReadOnlySpan<byte> w) where TFormat : struct, IBlockFormat
    {
        ref float r0 = ref MemoryMarshal.GetReference(x);
        ref byte wr = ref MemoryMarshal.GetReference(w);
        Vector256<float> a0 = default;
        int blocks = k / 32;
        for (int b = 0; b < blocks; b++)
        {
            float d = TFormat.Decode(ref Unsafe.Add(ref wr, b * TFormat.BlockBytes), out var w0, out var w1, out var w2, out var w3);
            a0 = Vector256.FusedMultiplyAdd(Block(ref r0, (nuint)(b * 32), w0, w1, w2, w3), Vector256.Create(d), a0);
        }
        return Sum(a0) + Tail(x, w, blocks * 32);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Block(ref float x, nuint o, Vector256<float> w0, Vector256<float> w1, Vector256<float> w2, Vector256<float> w3)
    {
        var p01 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref x, o + 8), w1, Vector256.LoadUnsafe(ref x, o) * w0);
        var p23 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref x, o + 24), w3, Vector256.LoadUnsafe(ref x, o + 16) * w2);
        return p01 + p23;
    }

    /// <summary>The int8 rows' last K % 32 products (block formats have none), in order.</summary>
    private static float Tail(ReadOnlySpan<float> x, ReadOnlySpan<byte> w, int from)
    {
        float s = 0f;
        for (int i = from; i < x.Length; i++) s = MathF.FusedMultiplyAdd(x[i], (sbyte)w[i], s);
        return s;
    }

    // (l0+l4)+(l2+l6) + (l1+l5)+(l3+l7), as SimdMath's reductions.
    private static float Sum(Vector256<float> v)
    {
        var h = v.GetLower() + v.GetUpper();
        return (h[0] + h[2]) + (h[1] + h[3]);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ToFloats(Vector256<sbyte> q, out Vector256<float> w0, out Vector256<float> w1, out Vector256<float> w2, out Vector256<float> w3)
    {
        QuantRounding.Widen(q, out var a, out var b, out var c, out var d);
        w0 = Vector256.ConvertToSingle(a);
        w1 = Vector256.ConvertToSingle(b);
        w2 = Vector256.ConvertToSingle(c);
        w3 = Vector256.ConvertToSingle(d);
    }
}
