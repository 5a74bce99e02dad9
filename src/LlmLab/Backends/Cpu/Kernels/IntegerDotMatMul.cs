using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using LlmLab.Numerics;

namespace LlmLab.Backends.Cpu.Kernels;

/// <summary>
/// y = x Wᵀ (+ bias) for W [N, K] in Q8_0 or Q4_0 blocks and x rows quantised to Q8_0 (<see cref="Q8Activations"/>),
/// as ggml's vec_dot_q8_0_q8_0 / vec_dot_q4_0_q8_0 compute it. Lane p of block b (quants 4p..4p+3, p = 0..7) sums
/// s[b, p] = Σ qw qa exactly in int32; the block factor d[b] = fp16(dw) * fp16(da) is one float multiply; sixteen
/// float accumulators, eight for even blocks and eight for odd, take acc[b % 2, p] = fma(s[b, p], d[b], acc[b % 2, p])
/// in block order; then u[e, i] = acc[e, i] + acc[e, i + 4], v[i] = u[0, i] + u[1, i] and y = (v0 + v2) + (v1 + v3),
/// plus the bias. Every <see cref="IntegerDotPath"/> and every thread split computes each output by that one sequence,
/// so all give the same bits.
/// </summary>
internal static partial class IntegerDotMatMul
{
    /// <summary>Outputs y[m, j] for every row m of x and weight rows j in [nStart, nEnd); bias empty or [N].</summary>
    public static void Run(IntegerDotPath path, Q8Activations x, ReadOnlySpan<byte> weight, bool q4Weight,
        ReadOnlySpan<float> bias, Span<float> y, int n, int nStart, int nEnd)
    {
        if (q4Weight) Run<Q4Blocks>(path, x, weight, bias, y, n, nStart, nEnd);
        else Run<Q8Blocks>(path, x, weight, bias, y, n, nStart, nEnd);
    }

    private static void Run<TFormat>(IntegerDotPath path, Q8Activations x, ReadOnlySpan<byte> weight,
        ReadOnlySpan<float> bias, Span<float> y, int n, int nStart, int nEnd)
        where TFormat : struct, IWeightBlocks
    {
        if (!IntegerDotPaths.IsSupported(path)) throw new PlatformNotSupportedException($"the {path} integer-dot path needs instructions this machine lacks");
        if (x.Path != path || x.Q4Weight != TFormat.IsQ4) throw new ArgumentException($"activations laid out for {x.Path}, not {path}, or for another weight format");
        int blocks = x.Blocks, rowBytes = blocks * TFormat.BlockBytes;
        ref float table = ref MemoryMarshal.GetArrayDataReference(HalfTable);
        int j = nStart;
        ref byte w0 = ref MemoryMarshal.GetReference(weight);
        if (path == IntegerDotPath.Avx512 && x.Rows >= TileRows)
            for (; j + TileColumns <= nEnd; j += TileColumns) RunTile512<TFormat>(ref table, x, ref w0, rowBytes, bias, y, n, j);
        else if (path == IntegerDotPath.AvxVnni && x.Rows >= TileRows256)
            for (; j + TileColumns256 <= nEnd; j += TileColumns256) RunTile256<TFormat, VnniDot>(ref table, x, ref w0, rowBytes, bias, y, n, j);
        else if (path == IntegerDotPath.Avx2 && x.Rows >= TileRows256)
            for (; j + TileColumns256 <= nEnd; j += TileColumns256) RunTile256<TFormat, MaddubsDot>(ref table, x, ref w0, rowBytes, bias, y, n, j);
        for (; j < nEnd; j++)
        {
            ref byte w = ref MemoryMarshal.GetReference(weight.Slice(j * rowBytes, rowBytes));
            for (int m = 0; m < x.Rows; m++)
            {
                ref byte qa = ref MemoryMarshal.GetReference(x.RowQuants(m));
                ref int c = ref MemoryMarshal.GetReference(x.RowCorrections(m));
                ref float da = ref MemoryMarshal.GetReference(x.RowScales(m));
                float dot = path switch
                {
                    IntegerDotPath.Avx512 => Dot512<TFormat>(ref table, ref w, blocks, ref qa, ref c, ref da),
                    IntegerDotPath.AvxVnni => Dot256<TFormat, VnniDot>(ref table, ref w, blocks, ref qa, ref c, ref da),
                    IntegerDotPath.Avx2 => Dot256<TFormat, MaddubsDot>(ref table, ref w, blocks, ref qa, ref c, ref da),
                    _ => DotScalar<TFormat>(ref w, blocks, ref qa, ref da),
                };
                Store(y, bias, n, m, j, dot);
            }
        }
    }

    /// <summary>d[b] = fp16(dw) * fp16(da): the weight block's scale read from its first two bytes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Factor(ref float table, ref byte block, ref float da, int b) => Half(ref table, Unsafe.ReadUnaligned<ushort>(ref block)) * Unsafe.Add(ref da, b);

    /// <summary>
    /// fp16 to float by table (ggml's way): one load, no branch. The kernels take the table as a ref fetched before
    /// their loops: a static field read inside one may carry a class-initialisation call, around which the JIT keeps
    /// the vector accumulators on the stack (twice to four times slower).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Half(ref float table, ushort h) => Unsafe.Add(ref table, h);

    /// <summary>Every fp16 value as a float (256 KiB; the few scales a model uses stay in cache).</summary>
    private static readonly float[] HalfTable = [.. Enumerable.Range(0, 65536).Select(h => Fp16.ToSingle((ushort)h))];

    /// <summary>The definition, one lane at a time.</summary>
    private static float DotScalar<TFormat>(ref byte w, int blocks, ref byte qa, ref float da) where TFormat : struct, IWeightBlocks
    {
        Span<float> acc = stackalloc float[16];
        acc.Clear();
        for (int b = 0; b < blocks; b++)
        {
            ref byte block = ref Unsafe.Add(ref w, b * TFormat.BlockBytes);
            ref byte quants = ref Unsafe.Add(ref block, 2);
            ref byte q = ref Unsafe.Add(ref qa, b * 32);
            float d = Fp16.ToSingle(Unsafe.ReadUnaligned<ushort>(ref block)) * Unsafe.Add(ref da, b);
            int e = (b & 1) * 8;
            for (int p = 0; p < 8; p++)
            {
                int s = 0;
                for (int i = 4 * p; i < 4 * p + 4; i++) s += TFormat.Quant(ref quants, i) * (sbyte)Unsafe.Add(ref q, i);
                acc[e + p] = MathF.FusedMultiplyAdd(s, d, acc[e + p]);
            }
        }
        float v0 = (acc[0] + acc[4]) + (acc[8] + acc[12]), v1 = (acc[1] + acc[5]) + (acc[9] + acc[13]);
        float v2 = (acc[2] + acc[6]) + (acc[10] + acc[14]), v3 = (acc[3] + acc[7]) + (acc[11] + acc[15]);
        return (v0 + v2) + (v1 + v3);
    }

    /// <summary>One block a step in 256-bit lanes p0..p7; even blocks into acc0, odd into acc1.</summary>
    private static float Dot256<TFormat, TDot>(ref float table, ref byte w, int blocks, ref byte qa, ref int c, ref float da)
        where TFormat : struct, IWeightBlocks where TDot : struct, IDot256
    {
        Vector256<float> acc0 = default, acc1 = default;
        int b = 0;
        for (; b + 1 < blocks; b += 2)
        {
            ref byte b0 = ref Unsafe.Add(ref w, b * TFormat.BlockBytes);
            ref byte b1 = ref Unsafe.Add(ref b0, TFormat.BlockBytes);
            acc0 = Vector256.FusedMultiplyAdd(Block256<TFormat, TDot>(ref b0, b, ref qa, ref c), Vector256.Create(Factor(ref table, ref b0, ref da, b)), acc0);
            acc1 = Vector256.FusedMultiplyAdd(Block256<TFormat, TDot>(ref b1, b + 1, ref qa, ref c), Vector256.Create(Factor(ref table, ref b1, ref da, b + 1)), acc1);
        }
        if (b < blocks)
        {
            ref byte b0 = ref Unsafe.Add(ref w, b * TFormat.BlockBytes);
            acc0 = Vector256.FusedMultiplyAdd(Block256<TFormat, TDot>(ref b0, b, ref qa, ref c), Vector256.Create(Factor(ref table, ref b0, ref da, b)), acc0);
        }
        return Finish256(acc0, acc1);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Block256<TFormat, TDot>(ref byte block, int b, ref byte qa, ref int c)
        where TFormat : struct, IWeightBlocks where TDot : struct, IDot256 =>
        Vector256.ConvertToSingle(TFormat.Lanes256<TDot>(TFormat.Operand256(ref block),
            Vector256.LoadUnsafe(ref qa, (nuint)(b * 32)).AsSByte(), Vector256.LoadUnsafe(ref c, (nuint)(b * 8))));

    /// <summary>
    /// Two blocks a step in 512-bit lanes: against Q4_0 interleaved [b p0-3, b+1 p0-3, b p4-7, b+1 p4-7] (its
    /// nibbles' order), against Q8_0 [b p0-7, b+1 p0-7]; b even, so b's lanes are acc[0, p] and b+1's acc[1, p], and
    /// the final folds add them in the fixed order either way. A last odd block pairs with the zero padding block
    /// (factor 0, sums 0), whose fma leaves the accumulators as they are.
    /// </summary>
    private static float Dot512<TFormat>(ref float table, ref byte w, int blocks, ref byte qa, ref int c, ref float da) where TFormat : struct, IWeightBlocks
    {
        var spread = TFormat.IsQ4 ? Vector512.Create(0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1) : Vector512.Create(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1);
        Vector512<float> acc = default;
        int b = 0;
        for (; b + 1 < blocks; b += 2)
        {
            ref byte b0 = ref Unsafe.Add(ref w, b * TFormat.BlockBytes);
            ref byte b1 = ref Unsafe.Add(ref b0, TFormat.BlockBytes);
            acc = Pair512<TFormat>(ref table, ref b0, ref b1, ref qa, ref c, ref da, b, spread, acc, Half(ref table, Unsafe.ReadUnaligned<ushort>(ref b1)));
        }
        if (b < blocks)
        {
            // The padding block pairs with b itself: its quants, sums and factor are 0.
            ref byte b0 = ref Unsafe.Add(ref w, b * TFormat.BlockBytes);
            acc = Pair512<TFormat>(ref table, ref b0, ref b0, ref qa, ref c, ref da, b, spread, acc, 0f);
        }
        return Finish512<TFormat>(acc);
    }

    /// <summary>The 512-bit accumulators folded in the fixed order: [acc[0, p], acc[1, p]] laid out as Dot512 says.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Finish512<TFormat>(Vector512<float> acc) where TFormat : struct, IWeightBlocks
    {
        var low = acc.GetLower();
        var high = acc.GetUpper();
        if (TFormat.IsQ4)
        {
            var u = low + high; // [u[0, i], u[1, i]]
            return Finish(u.GetLower() + u.GetUpper());
        }
        return Finish((low.GetLower() + low.GetUpper()) + (high.GetLower() + high.GetUpper()));
    }

    /// <summary>acc + the lanes of blocks b (at b0) and b + 1 (at b1, weight scale dw1) times their factors.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Pair512<TFormat>(ref float table, ref byte b0, ref byte b1, ref byte qa, ref int c, ref float da, int b,
        Vector512<int> spread, Vector512<float> acc, float dw1) where TFormat : struct, IWeightBlocks
    {
        var qa64 = Vector512.LoadUnsafe(ref qa, (nuint)(b * 32)).AsSByte();
        var s = TFormat.Lanes512(TFormat.Operand512(ref b0, ref b1, out var negative), negative, qa64, -qa64, Vector512.LoadUnsafe(ref c, (nuint)(b * 8)));
        // [dw[b], dw[b + 1]] * [da[b], da[b + 1]]: one multiply for both factors.
        var dw = Vector128.CreateScalarUnsafe(Half(ref table, Unsafe.ReadUnaligned<ushort>(ref b0))).WithElement(1, dw1);
        var pair = dw * Vector128.CreateScalarUnsafe(Unsafe.ReadUnaligned<double>(ref Unsafe.As<float, byte>(ref Unsafe.Add(ref da, b)))).AsSingle();
        return Vector512.FusedMultiplyAdd(Vector512.ConvertToSingle(s), Avx512F.PermuteVar16x32(pair.ToVector256Unsafe().ToVector512Unsafe(), spread), acc);
    }

    /// <summary>(v0 + v2) + (v1 + v3).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Finish(Vector128<float> v)
    {
        var t = v + Vector128.Shuffle(v, Vector128.Create(2, 3, 0, 1));
        return t.ToScalar() + t.GetElement(1);
    }

    /// <summary>How a 256-bit path multiplies 32 unsigned weight bytes by 32 signed quants into eight int lanes.</summary>
    private interface IDot256
    {
        /// <summary>Σ u qa over each four bytes, plus the lane's correction.</summary>
        static abstract Vector256<int> Unsigned(Vector256<byte> u, Vector256<sbyte> qa, Vector256<int> correction);
        /// <summary>Σ w qa over each four bytes for signed weights (the correction is -128 Σ qa).</summary>
        static abstract Vector256<int> Signed(Vector256<sbyte> w, Vector256<sbyte> qa, Vector256<int> correction);
    }

    /// <summary>
    /// pmaddubsw (pairs into int16) then pmaddwd by ones. pmaddubsw saturates, so a signed weight gives its sign to
    /// the activation instead of an offset: |w| * sign(qa, w), at most 2 * 128 * 127 a pair.
    /// </summary>
    private readonly struct MaddubsDot : IDot256
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<int> Unsigned(Vector256<byte> u, Vector256<sbyte> qa, Vector256<int> correction) =>
            Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(u, qa), Vector256.Create((short)1)) + correction;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<int> Signed(Vector256<sbyte> w, Vector256<sbyte> qa, Vector256<int> correction) =>
            Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(Avx2.Abs(w), Avx2.Sign(qa, w)), Vector256.Create((short)1));
    }

    /// <summary>vpdpbusd: four u8 x s8 products summed into the int lane without saturation.</summary>
    private readonly struct VnniDot : IDot256
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<int> Unsigned(Vector256<byte> u, Vector256<sbyte> qa, Vector256<int> correction) =>
            AvxVnni.MultiplyWideningAndAdd(correction, u, qa);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<int> Signed(Vector256<sbyte> w, Vector256<sbyte> qa, Vector256<int> correction) =>
            AvxVnni.MultiplyWideningAndAdd(correction, (w.AsByte() ^ Vector256.Create((byte)0x80)), qa);
    }

    /// <summary>A weight format's side: its block size, one quant, and its blocks as the vector paths' operands.</summary>
    private interface IWeightBlocks
    {
        static abstract bool IsQ4 { get; }
        static abstract int BlockBytes { get; }
        /// <summary>The signed value of quant i of a block whose quants start at <paramref name="quants"/>.</summary>
        static abstract int Quant(ref byte quants, int i);
        /// <summary>The block at <paramref name="block"/> as the 256-bit operand: Q4_0's nibbles (0..15), Q8_0's bytes.</summary>
        static abstract Vector256<sbyte> Operand256(ref byte block);
        /// <summary>Lanes p0..p7 of an operand against 32 activation quants.</summary>
        static abstract Vector256<int> Lanes256<TDot>(Vector256<sbyte> operand, Vector256<sbyte> qa, Vector256<int> correction) where TDot : struct, IDot256;
        /// <summary>
        /// Blocks <paramref name="b0"/> and <paramref name="b1"/> as the 512-bit unsigned operand in Dot512's lane
        /// order: Q4_0's nibbles, or Q8_0's |w| with <paramref name="negative"/> marking the bytes whose w &lt; 0.
        /// </summary>
        static abstract Vector512<byte> Operand512(ref byte b0, ref byte b1, out Vector512<sbyte> negative);
        /// <summary>The operand's 512-bit lanes against 64 activation quants (and their negation) plus corrections.</summary>
        static abstract Vector512<int> Lanes512(Vector512<byte> operand, Vector512<sbyte> negative, Vector512<sbyte> qa, Vector512<sbyte> negatedQa, Vector512<int> correction);
    }

    /// <summary>Q4_0: nibbles 0..15 as the unsigned operand; the correction -8 Σ qa makes them q - 8.</summary>
    private readonly struct Q4Blocks : IWeightBlocks
    {
        public static bool IsQ4 => true;
        public static int BlockBytes => Q4_0.BlockBytes;

        public static int Quant(ref byte quants, int i) => (i < 16 ? Unsafe.Add(ref quants, i) & 15 : Unsafe.Add(ref quants, i - 16) >> 4) - 8;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<sbyte> Operand256(ref byte block)
        {
            var packed = Vector128.LoadUnsafe(ref block, 2);
            return (Vector256.Create(packed, Vector128.ShiftRightLogical(packed.AsUInt16(), 4).AsByte()) & Vector256.Create((byte)0x0F)).AsSByte();
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<int> Lanes256<TDot>(Vector256<sbyte> operand, Vector256<sbyte> qa, Vector256<int> correction) where TDot : struct, IDot256 =>
            TDot.Unsigned(operand.AsByte(), qa, correction);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<byte> Operand512(ref byte b0, ref byte b1, out Vector512<sbyte> negative)
        {
            negative = default;
            var packed = Vector256.Create(Vector128.LoadUnsafe(ref b0, 2), Vector128.LoadUnsafe(ref b1, 2));
            var both = Avx512F.InsertVector256(packed.ToVector512Unsafe(), Vector256.ShiftRightLogical(packed.AsUInt16(), 4).AsByte(), 1);
            return both & Vector512.Create((byte)0x0F);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<int> Lanes512(Vector512<byte> operand, Vector512<sbyte> negative, Vector512<sbyte> qa, Vector512<sbyte> negatedQa, Vector512<int> correction) =>
            Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(operand, qa), Vector512.Create((short)1)) + correction;
    }

    /// <summary>Q8_0: signed bytes.</summary>
    private readonly struct Q8Blocks : IWeightBlocks
    {
        public static bool IsQ4 => false;
        public static int BlockBytes => Q8_0.BlockBytes;

        public static int Quant(ref byte quants, int i) => (sbyte)Unsafe.Add(ref quants, i);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<sbyte> Operand256(ref byte block) => Vector256.LoadUnsafe(ref block, 2).AsSByte();

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<int> Lanes256<TDot>(Vector256<sbyte> operand, Vector256<sbyte> qa, Vector256<int> correction) where TDot : struct, IDot256 =>
            TDot.Signed(operand, qa, correction);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<byte> Operand512(ref byte b0, ref byte b1, out Vector512<sbyte> negative)
        {
            var w = Avx512F.InsertVector256(Vector256.LoadUnsafe(ref b0, 2).ToVector512Unsafe(), Vector256.LoadUnsafe(ref b1, 2), 1).AsSByte();
            negative = Vector512.LessThan(w, Vector512<sbyte>.Zero);
            return Avx512BW.Abs(w);
        }

        /// <summary>|w| times qa with w's sign (|qa| &lt;= 127: no overflow).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<int> Lanes512(Vector512<byte> operand, Vector512<sbyte> negative, Vector512<sbyte> qa, Vector512<sbyte> negatedQa, Vector512<int> correction) =>
            Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(operand, Vector512.ConditionalSelect(negative, negatedQa, qa)), Vector512.Create((short)1));
    }
}
