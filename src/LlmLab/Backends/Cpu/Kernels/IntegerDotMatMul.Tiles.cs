using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace LlmLab.Backends.Cpu.Kernels;

/// <summary>
/// Prefill: several x rows against several weight rows at a time (512-bit 4 × 3, 256-bit 3 × 2), so a weight block's
/// unpacked quants and scale serve every row of the tile and an activation block every weight row, instead of each
/// output reloading both. Every output still takes its one-output sequence (Dot512, Dot256): the integer lanes are
/// exact whichever instructions make them, and the factors dw · da are the same float products. So a row has the
/// same bits alone (decoding) or in a tile (prefill). The rows a tile leaves are done at once, while the tile's
/// weight rows are still in cache.
/// </summary>
internal static partial class IntegerDotMatMul
{
    private const int TileRows = 4, TileColumns = 3;

    /// <summary>Every row of x against weight rows j .. j + 2: full tiles of four rows, then the rest one by one.</summary>
    private static void RunTile512<TFormat>(ref float table, Q8Activations x, ref byte weight, int rowBytes,
        ReadOnlySpan<float> bias, Span<float> y, int n, int j) where TFormat : struct, IWeightBlocks
    {
        int m = 0;
        for (; m + TileRows <= x.Rows; m += TileRows) Tile512<TFormat>(ref table, x, m, ref weight, rowBytes, bias, y, n, j);
        for (; m < x.Rows; m++)
            for (int c = j; c < j + TileColumns; c++)
                Store(y, bias, n, m, c, Dot512<TFormat>(ref table, ref Unsafe.Add(ref weight, c * rowBytes), x.Blocks,
                    ref MemoryMarshal.GetReference(x.RowQuants(m)), ref MemoryMarshal.GetReference(x.RowCorrections(m)),
                    ref MemoryMarshal.GetReference(x.RowScales(m))));
    }

    /// <summary>
    /// Rows m .. m + 3 of x against weight rows j .. j + 2: twelve accumulators over the block pairs, unrolled by hand
    /// (named locals stay in registers; an array of accumulators would live in memory).
    /// </summary>
    private static void Tile512<TFormat>(ref float table, Q8Activations x, int m, ref byte weight, int rowBytes,
        ReadOnlySpan<float> bias, Span<float> y, int n, int j) where TFormat : struct, IWeightBlocks
    {
        var spread = TFormat.IsQ4 ? Vector512.Create(0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1) : Vector512.Create(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1);
        int blocks = x.Blocks, bytes = TFormat.BlockBytes;
        // The four rows' arrays sit one row stride apart.
        ref byte qa = ref MemoryMarshal.GetReference(x.RowQuants(m));
        ref int corrections = ref MemoryMarshal.GetReference(x.RowCorrections(m));
        ref float da = ref MemoryMarshal.GetReference(x.RowScales(m));
        nuint quantStride = (nuint)(x.PaddedBlocks * 32), correctionStride = (nuint)(x.PaddedBlocks * 8), scaleStride = (nuint)x.PaddedBlocks;
        ref byte w0 = ref Unsafe.Add(ref weight, j * rowBytes);
        ref byte w1 = ref Unsafe.Add(ref w0, rowBytes);
        ref byte w2 = ref Unsafe.Add(ref w1, rowBytes);
        Vector512<float> a00 = default, a01 = default, a02 = default, a10 = default, a11 = default, a12 = default;
        Vector512<float> a20 = default, a21 = default, a22 = default, a30 = default, a31 = default, a32 = default;
        for (int b = 0; b < blocks; b += 2)
        {
            // A last odd block pairs with itself at factor 0 (its activations' padding block is zero), as in Dot512.
            bool pair = b + 1 < blocks;
            int second = (pair ? b + 1 : b) * bytes;
            var o0 = TFormat.Operand512(ref Unsafe.Add(ref w0, b * bytes), ref Unsafe.Add(ref w0, second), out var s0);
            var o1 = TFormat.Operand512(ref Unsafe.Add(ref w1, b * bytes), ref Unsafe.Add(ref w1, second), out var s1);
            var o2 = TFormat.Operand512(ref Unsafe.Add(ref w2, b * bytes), ref Unsafe.Add(ref w2, second), out var s2);
            var f0 = WeightFactors(ref table, ref w0, b * bytes, second, pair, spread);
            var f1 = WeightFactors(ref table, ref w1, b * bytes, second, pair, spread);
            var f2 = WeightFactors(ref table, ref w2, b * bytes, second, pair, spread);
            nuint q = (nuint)(b * 32), c = (nuint)(b * 8), d = (nuint)b;

            var qa0 = Vector512.LoadUnsafe(ref qa, q).AsSByte();
            var c0 = Vector512.LoadUnsafe(ref corrections, c);
            var d0 = ActivationFactors(ref da, d, spread);
            a00 = Step<TFormat>(o0, s0, f0, qa0, c0, d0, a00);
            a01 = Step<TFormat>(o1, s1, f1, qa0, c0, d0, a01);
            a02 = Step<TFormat>(o2, s2, f2, qa0, c0, d0, a02);

            var qa1 = Vector512.LoadUnsafe(ref qa, q + quantStride).AsSByte();
            var c1 = Vector512.LoadUnsafe(ref corrections, c + correctionStride);
            var d1 = ActivationFactors(ref da, d + scaleStride, spread);
            a10 = Step<TFormat>(o0, s0, f0, qa1, c1, d1, a10);
            a11 = Step<TFormat>(o1, s1, f1, qa1, c1, d1, a11);
            a12 = Step<TFormat>(o2, s2, f2, qa1, c1, d1, a12);

            var qa2 = Vector512.LoadUnsafe(ref qa, q + 2 * quantStride).AsSByte();
            var c2 = Vector512.LoadUnsafe(ref corrections, c + 2 * correctionStride);
            var d2 = ActivationFactors(ref da, d + 2 * scaleStride, spread);
            a20 = Step<TFormat>(o0, s0, f0, qa2, c2, d2, a20);
            a21 = Step<TFormat>(o1, s1, f1, qa2, c2, d2, a21);
            a22 = Step<TFormat>(o2, s2, f2, qa2, c2, d2, a22);

            var qa3 = Vector512.LoadUnsafe(ref qa, q + 3 * quantStride).AsSByte();
            var c3 = Vector512.LoadUnsafe(ref corrections, c + 3 * correctionStride);
            var d3 = ActivationFactors(ref da, d + 3 * scaleStride, spread);
            a30 = Step<TFormat>(o0, s0, f0, qa3, c3, d3, a30);
            a31 = Step<TFormat>(o1, s1, f1, qa3, c3, d3, a31);
            a32 = Step<TFormat>(o2, s2, f2, qa3, c3, d3, a32);
        }
        Store(y, bias, n, m, j, Finish512<TFormat>(a00));
        Store(y, bias, n, m, j + 1, Finish512<TFormat>(a01));
        Store(y, bias, n, m, j + 2, Finish512<TFormat>(a02));
        Store(y, bias, n, m + 1, j, Finish512<TFormat>(a10));
        Store(y, bias, n, m + 1, j + 1, Finish512<TFormat>(a11));
        Store(y, bias, n, m + 1, j + 2, Finish512<TFormat>(a12));
        Store(y, bias, n, m + 2, j, Finish512<TFormat>(a20));
        Store(y, bias, n, m + 2, j + 1, Finish512<TFormat>(a21));
        Store(y, bias, n, m + 2, j + 2, Finish512<TFormat>(a22));
        Store(y, bias, n, m + 3, j, Finish512<TFormat>(a30));
        Store(y, bias, n, m + 3, j + 1, Finish512<TFormat>(a31));
        Store(y, bias, n, m + 3, j + 2, Finish512<TFormat>(a32));
    }

    private const int TileRows256 = 3, TileColumns256 = 2;

    /// <summary>The 256-bit paths' prefill: every row of x against weight rows j, j + 1, in tiles of three rows.</summary>
    private static void RunTile256<TFormat, TDot>(ref float table, Q8Activations x, ref byte weight, int rowBytes,
        ReadOnlySpan<float> bias, Span<float> y, int n, int j) where TFormat : struct, IWeightBlocks where TDot : struct, IDot256
    {
        int m = 0;
        for (; m + TileRows256 <= x.Rows; m += TileRows256)
        {
            // Dot256's two chains are independent (even blocks into acc0, odd into acc1), so each is one pass.
            Pass256<TFormat, TDot>(ref table, x, m, ref weight, rowBytes, j, 0, out var e00, out var e01, out var e10, out var e11, out var e20, out var e21);
            Pass256<TFormat, TDot>(ref table, x, m, ref weight, rowBytes, j, 1, out var o00, out var o01, out var o10, out var o11, out var o20, out var o21);
            Store(y, bias, n, m, j, Finish256(e00, o00));
            Store(y, bias, n, m, j + 1, Finish256(e01, o01));
            Store(y, bias, n, m + 1, j, Finish256(e10, o10));
            Store(y, bias, n, m + 1, j + 1, Finish256(e11, o11));
            Store(y, bias, n, m + 2, j, Finish256(e20, o20));
            Store(y, bias, n, m + 2, j + 1, Finish256(e21, o21));
        }
        for (; m < x.Rows; m++)
            for (int c = j; c < j + TileColumns256; c++)
                Store(y, bias, n, m, c, Dot256<TFormat, TDot>(ref table, ref Unsafe.Add(ref weight, c * rowBytes), x.Blocks,
                    ref MemoryMarshal.GetReference(x.RowQuants(m)), ref MemoryMarshal.GetReference(x.RowCorrections(m)),
                    ref MemoryMarshal.GetReference(x.RowScales(m))));
    }

    /// <summary>One of Dot256's chains (blocks of one parity) for rows m .. m + 2 against weight rows j, j + 1.</summary>
    private static void Pass256<TFormat, TDot>(ref float table, Q8Activations x, int m, ref byte weight, int rowBytes, int j, int parity,
        out Vector256<float> a00, out Vector256<float> a01, out Vector256<float> a10, out Vector256<float> a11, out Vector256<float> a20, out Vector256<float> a21)
        where TFormat : struct, IWeightBlocks where TDot : struct, IDot256
    {
        int blocks = x.Blocks, bytes = TFormat.BlockBytes;
        ref byte qa = ref MemoryMarshal.GetReference(x.RowQuants(m));
        ref int corrections = ref MemoryMarshal.GetReference(x.RowCorrections(m));
        ref float da = ref MemoryMarshal.GetReference(x.RowScales(m));
        nuint quantStride = (nuint)(x.PaddedBlocks * 32), correctionStride = (nuint)(x.PaddedBlocks * 8), scaleStride = (nuint)x.PaddedBlocks;
        ref byte w0 = ref Unsafe.Add(ref weight, j * rowBytes);
        ref byte w1 = ref Unsafe.Add(ref w0, rowBytes);
        // The sums live in locals and reach the out parameters once, at the end: an out parameter is memory, and an
        // fma into it loads and stores it every block (on Zen 3 that cost the quantised prefill 12-20%).
        Vector256<float> s00 = default, s01 = default, s10 = default, s11 = default, s20 = default, s21 = default;
        for (int b = parity; b < blocks; b += 2)
        {
            ref byte block0 = ref Unsafe.Add(ref w0, b * bytes);
            ref byte block1 = ref Unsafe.Add(ref w1, b * bytes);
            var o0 = TFormat.Operand256(ref block0);
            var o1 = TFormat.Operand256(ref block1);
            float dw0 = Half(ref table, Unsafe.ReadUnaligned<ushort>(ref block0)), dw1 = Half(ref table, Unsafe.ReadUnaligned<ushort>(ref block1));
            nuint q = (nuint)(b * 32), c = (nuint)(b * 8), d = (nuint)b;

            var qa0 = Vector256.LoadUnsafe(ref qa, q).AsSByte();
            var c0 = Vector256.LoadUnsafe(ref corrections, c);
            float da0 = Unsafe.Add(ref da, d);
            s00 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(TFormat.Lanes256<TDot>(o0, qa0, c0)), Vector256.Create(dw0 * da0), s00);
            s01 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(TFormat.Lanes256<TDot>(o1, qa0, c0)), Vector256.Create(dw1 * da0), s01);

            var qa1 = Vector256.LoadUnsafe(ref qa, q + quantStride).AsSByte();
            var c1 = Vector256.LoadUnsafe(ref corrections, c + correctionStride);
            float da1 = Unsafe.Add(ref da, d + scaleStride);
            s10 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(TFormat.Lanes256<TDot>(o0, qa1, c1)), Vector256.Create(dw0 * da1), s10);
            s11 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(TFormat.Lanes256<TDot>(o1, qa1, c1)), Vector256.Create(dw1 * da1), s11);

            var qa2 = Vector256.LoadUnsafe(ref qa, q + 2 * quantStride).AsSByte();
            var c2 = Vector256.LoadUnsafe(ref corrections, c + 2 * correctionStride);
            float da2 = Unsafe.Add(ref da, d + 2 * scaleStride);
            s20 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(TFormat.Lanes256<TDot>(o0, qa2, c2)), Vector256.Create(dw0 * da2), s20);
            s21 = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(TFormat.Lanes256<TDot>(o1, qa2, c2)), Vector256.Create(dw1 * da2), s21);
        }
        (a00, a01, a10, a11, a20, a21) = (s00, s01, s10, s11, s20, s21);
    }

    /// <summary>Dot256's end: (acc0's halves + acc1's halves) folded.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Finish256(Vector256<float> acc0, Vector256<float> acc1) =>
        Finish((acc0.GetLower() + acc0.GetUpper()) + (acc1.GetLower() + acc1.GetUpper()));

    /// <summary>acc + lanes · (dw · da): Pair512's step with the factor lanes from the two spreads.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Step<TFormat>(Vector512<byte> operand, Vector512<sbyte> negative, Vector512<float> weightFactors,
        Vector512<sbyte> qa, Vector512<int> correction, Vector512<float> activationFactors, Vector512<float> acc) where TFormat : struct, IWeightBlocks =>
        Vector512.FusedMultiplyAdd(Vector512.ConvertToSingle(TFormat.Lanes512(operand, negative, qa, -qa, correction)), weightFactors * activationFactors, acc);

    /// <summary>[dw[b], dw[b + 1]] spread over Dot512's lanes; dw[b + 1] is 0 for the padding block.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> WeightFactors(ref float table, ref byte row, int first, int second, bool pair, Vector512<int> spread)
    {
        float dw1 = pair ? Half(ref table, Unsafe.ReadUnaligned<ushort>(ref Unsafe.Add(ref row, second))) : 0f;
        var dw = Vector128.CreateScalarUnsafe(Half(ref table, Unsafe.ReadUnaligned<ushort>(ref Unsafe.Add(ref row, first)))).WithElement(1, dw1);
        return Avx512F.PermuteVar16x32(dw.ToVector256Unsafe().ToVector512Unsafe(), spread);
    }

    /// <summary>[da[b], da[b + 1]] spread over Dot512's lanes (the padding block's da is 0).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> ActivationFactors(ref float da, nuint b, Vector512<int> spread) =>
        Avx512F.PermuteVar16x32(Vector128.CreateScalarUnsafe(Unsafe.ReadUnaligned<double>(ref Unsafe.As<float, byte>(ref Unsafe.Add(ref da, b)))).AsSingle()
            .ToVector256Unsafe().ToVector512Unsafe(), spread);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(Span<float> y, ReadOnlySpan<float> bias, int n, int m, int j, float dot) =>
        y[m * n + j] = bias.IsEmpty ? dot : dot + bias[j];
}
