using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using LlmLab.Quantization;

namespace LlmLab.Backends.Cpu.Kernels;

/// <summary>
/// y = x W^T with W [N, K] quantised, dequantised block by block in registers (the f32 weight never exists).
/// A block of 32 weights becomes four float vectors w0..w3 and a factor d; for each x row,
/// p = (x0 w0 + x1 w1) + (x2 w2 + x3 w3) (lanes), acc = fma(p, d, acc), and at the end y = hsum(acc) (+ a scalar
/// tail for int8 rows whose K is not a multiple of 32) / rowScale + bias. Every output follows that one sequence, so
/// the bits do not depend on the thread split or on which x rows share a pass. Four x rows share each decoded block
/// (prefill); decode (one row) streams the weight once.
/// </summary>
internal static class QuantizedMatMul
{
    private const int RowTile = 4, WeightRowChunk = 16;

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
        for (int chunk = nStart; chunk < nEnd; chunk += WeightRowChunk)
        {
            int chunkEnd = Math.Min(chunk + WeightRowChunk, nEnd);
            int m = 0;
            for (; m + RowTile <= rows; m += RowTile)
                for (int j = chunk; j < chunkEnd; j++)
                {
                    Dot4<TFormat>(x.Slice(m * k), k, weight.Slice(j * rowBytes, rowBytes), out float y0, out float y1, out float y2, out float y3);
                    y[m * n + j] = Finish(y0, j, scales, bias);
                    y[(m + 1) * n + j] = Finish(y1, j, scales, bias);
                    y[(m + 2) * n + j] = Finish(y2, j, scales, bias);
                    y[(m + 3) * n + j] = Finish(y3, j, scales, bias);
                }
            for (; m < rows; m++)
                for (int j = chunk; j < chunkEnd; j++)
                    y[m * n + j] = Finish(Dot1<TFormat>(x.Slice(m * k, k), k, weight.Slice(j * rowBytes, rowBytes)), j, scales, bias);
        }
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
