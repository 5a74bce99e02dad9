using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace LlmLab.Backends.Cpu.Kernels;

/// <summary>
/// The AVX-512 micro-kernel: a 12 x 32 tile of C in 24 zmm accumulators. Each k step loads 2 vectors of the packed
/// B panel, broadcasts one packed A value per row and does acc = fma(a[i,k], b[k,j], acc): every lane is one output
/// element accumulated over k in order, exactly as the Vector256 kernel and the edge tiles do it.
/// </summary>
internal readonly unsafe struct GemmKernel512 : IGemmKernel
{
    public static int MR => 12;
    public static int NR => 32;

    public static void Tile(int rows, int kc, float* a, float* b, float* c, long ldc, bool load, float* bias)
    {
        switch (rows)
        {
            case 1: Tile<Rows1>(kc, a, b, c, ldc, load, bias); break;
            case 2: Tile<Rows2>(kc, a, b, c, ldc, load, bias); break;
            case 3: Tile<Rows3>(kc, a, b, c, ldc, load, bias); break;
            case 4: Tile<Rows4>(kc, a, b, c, ldc, load, bias); break;
            case 5: Tile<Rows5>(kc, a, b, c, ldc, load, bias); break;
            case 6: Tile<Rows6>(kc, a, b, c, ldc, load, bias); break;
            case 7: Tile<Rows7>(kc, a, b, c, ldc, load, bias); break;
            case 8: Tile<Rows8>(kc, a, b, c, ldc, load, bias); break;
            case 9: Tile<Rows9>(kc, a, b, c, ldc, load, bias); break;
            case 10: Tile<Rows10>(kc, a, b, c, ldc, load, bias); break;
            case 11: Tile<Rows11>(kc, a, b, c, ldc, load, bias); break;
            case 12: Tile<Rows12>(kc, a, b, c, ldc, load, bias); break;
            default: throw new ArgumentOutOfRangeException(nameof(rows), rows, "1 to 12 rows");
        }
    }

    /// <summary>The first TRows rows of the 12 x 32 tile (the JIT drops the rows that do not exist).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile<TRows>(int kc, float* a, float* b, float* c, long ldc, bool load, float* bias)
        where TRows : struct, IRowCount
    {
        int rows = TRows.Count;
        Vector512<float> c0_0 = default, c0_1 = default;
        Vector512<float> c1_0 = default, c1_1 = default;
        Vector512<float> c2_0 = default, c2_1 = default;
        Vector512<float> c3_0 = default, c3_1 = default;
        Vector512<float> c4_0 = default, c4_1 = default;
        Vector512<float> c5_0 = default, c5_1 = default;
        Vector512<float> c6_0 = default, c6_1 = default;
        Vector512<float> c7_0 = default, c7_1 = default;
        Vector512<float> c8_0 = default, c8_1 = default;
        Vector512<float> c9_0 = default, c9_1 = default;
        Vector512<float> c10_0 = default, c10_1 = default;
        Vector512<float> c11_0 = default, c11_1 = default;
        if (load)
        {
            { c0_0 = Vector512.Load(c); c0_1 = Vector512.Load(c + 16); }
            if (rows > 1) { c1_0 = Vector512.Load(c + ldc); c1_1 = Vector512.Load(c + ldc + 16); }
            if (rows > 2) { c2_0 = Vector512.Load(c + 2 * ldc); c2_1 = Vector512.Load(c + 2 * ldc + 16); }
            if (rows > 3) { c3_0 = Vector512.Load(c + 3 * ldc); c3_1 = Vector512.Load(c + 3 * ldc + 16); }
            if (rows > 4) { c4_0 = Vector512.Load(c + 4 * ldc); c4_1 = Vector512.Load(c + 4 * ldc + 16); }
            if (rows > 5) { c5_0 = Vector512.Load(c + 5 * ldc); c5_1 = Vector512.Load(c + 5 * ldc + 16); }
            if (rows > 6) { c6_0 = Vector512.Load(c + 6 * ldc); c6_1 = Vector512.Load(c + 6 * ldc + 16); }
            if (rows > 7) { c7_0 = Vector512.Load(c + 7 * ldc); c7_1 = Vector512.Load(c + 7 * ldc + 16); }
            if (rows > 8) { c8_0 = Vector512.Load(c + 8 * ldc); c8_1 = Vector512.Load(c + 8 * ldc + 16); }
            if (rows > 9) { c9_0 = Vector512.Load(c + 9 * ldc); c9_1 = Vector512.Load(c + 9 * ldc + 16); }
            if (rows > 10) { c10_0 = Vector512.Load(c + 10 * ldc); c10_1 = Vector512.Load(c + 10 * ldc + 16); }
            if (rows > 11) { c11_0 = Vector512.Load(c + 11 * ldc); c11_1 = Vector512.Load(c + 11 * ldc + 16); }
        }
        for (int k = 0; k < kc; k++)
        {
            var b0 = Vector512.Load(b); var b1 = Vector512.Load(b + 16);
            { var a0 = Vector512.Create(a[0]); c0_0 = Vector512.FusedMultiplyAdd(a0, b0, c0_0); c0_1 = Vector512.FusedMultiplyAdd(a0, b1, c0_1); }
            if (rows > 1) { var a1 = Vector512.Create(a[1]); c1_0 = Vector512.FusedMultiplyAdd(a1, b0, c1_0); c1_1 = Vector512.FusedMultiplyAdd(a1, b1, c1_1); }
            if (rows > 2) { var a2 = Vector512.Create(a[2]); c2_0 = Vector512.FusedMultiplyAdd(a2, b0, c2_0); c2_1 = Vector512.FusedMultiplyAdd(a2, b1, c2_1); }
            if (rows > 3) { var a3 = Vector512.Create(a[3]); c3_0 = Vector512.FusedMultiplyAdd(a3, b0, c3_0); c3_1 = Vector512.FusedMultiplyAdd(a3, b1, c3_1); }
            if (rows > 4) { var a4 = Vector512.Create(a[4]); c4_0 = Vector512.FusedMultiplyAdd(a4, b0, c4_0); c4_1 = Vector512.FusedMultiplyAdd(a4, b1, c4_1); }
            if (rows > 5) { var a5 = Vector512.Create(a[5]); c5_0 = Vector512.FusedMultiplyAdd(a5, b0, c5_0); c5_1 = Vector512.FusedMultiplyAdd(a5, b1, c5_1); }
            if (rows > 6) { var a6 = Vector512.Create(a[6]); c6_0 = Vector512.FusedMultiplyAdd(a6, b0, c6_0); c6_1 = Vector512.FusedMultiplyAdd(a6, b1, c6_1); }
            if (rows > 7) { var a7 = Vector512.Create(a[7]); c7_0 = Vector512.FusedMultiplyAdd(a7, b0, c7_0); c7_1 = Vector512.FusedMultiplyAdd(a7, b1, c7_1); }
            if (rows > 8) { var a8 = Vector512.Create(a[8]); c8_0 = Vector512.FusedMultiplyAdd(a8, b0, c8_0); c8_1 = Vector512.FusedMultiplyAdd(a8, b1, c8_1); }
            if (rows > 9) { var a9 = Vector512.Create(a[9]); c9_0 = Vector512.FusedMultiplyAdd(a9, b0, c9_0); c9_1 = Vector512.FusedMultiplyAdd(a9, b1, c9_1); }
            if (rows > 10) { var a10 = Vector512.Create(a[10]); c10_0 = Vector512.FusedMultiplyAdd(a10, b0, c10_0); c10_1 = Vector512.FusedMultiplyAdd(a10, b1, c10_1); }
            if (rows > 11) { var a11 = Vector512.Create(a[11]); c11_0 = Vector512.FusedMultiplyAdd(a11, b0, c11_0); c11_1 = Vector512.FusedMultiplyAdd(a11, b1, c11_1); }
            a += 12;
            b += 32;
        }
        if (bias != null)
        {
            var bias0 = Vector512.Load(bias); var bias1 = Vector512.Load(bias + 16);
            { c0_0 += bias0; c0_1 += bias1; }
            if (rows > 1) { c1_0 += bias0; c1_1 += bias1; }
            if (rows > 2) { c2_0 += bias0; c2_1 += bias1; }
            if (rows > 3) { c3_0 += bias0; c3_1 += bias1; }
            if (rows > 4) { c4_0 += bias0; c4_1 += bias1; }
            if (rows > 5) { c5_0 += bias0; c5_1 += bias1; }
            if (rows > 6) { c6_0 += bias0; c6_1 += bias1; }
            if (rows > 7) { c7_0 += bias0; c7_1 += bias1; }
            if (rows > 8) { c8_0 += bias0; c8_1 += bias1; }
            if (rows > 9) { c9_0 += bias0; c9_1 += bias1; }
            if (rows > 10) { c10_0 += bias0; c10_1 += bias1; }
            if (rows > 11) { c11_0 += bias0; c11_1 += bias1; }
        }
        { c0_0.Store(c); c0_1.Store(c + 16); }
        if (rows > 1) { c1_0.Store(c + ldc); c1_1.Store(c + ldc + 16); }
        if (rows > 2) { c2_0.Store(c + 2 * ldc); c2_1.Store(c + 2 * ldc + 16); }
        if (rows > 3) { c3_0.Store(c + 3 * ldc); c3_1.Store(c + 3 * ldc + 16); }
        if (rows > 4) { c4_0.Store(c + 4 * ldc); c4_1.Store(c + 4 * ldc + 16); }
        if (rows > 5) { c5_0.Store(c + 5 * ldc); c5_1.Store(c + 5 * ldc + 16); }
        if (rows > 6) { c6_0.Store(c + 6 * ldc); c6_1.Store(c + 6 * ldc + 16); }
        if (rows > 7) { c7_0.Store(c + 7 * ldc); c7_1.Store(c + 7 * ldc + 16); }
        if (rows > 8) { c8_0.Store(c + 8 * ldc); c8_1.Store(c + 8 * ldc + 16); }
        if (rows > 9) { c9_0.Store(c + 9 * ldc); c9_1.Store(c + 9 * ldc + 16); }
        if (rows > 10) { c10_0.Store(c + 10 * ldc); c10_1.Store(c + 10 * ldc + 16); }
        if (rows > 11) { c11_0.Store(c + 11 * ldc); c11_1.Store(c + 11 * ldc + 16); }
    }
}

/// <summary>
/// The AVX2 micro-kernel (16 ymm registers): a 6 x 16 tile in 12 accumulators, the same per-element order as
/// <see cref="GemmKernel512"/>, so both give the same bits.
/// </summary>
internal readonly unsafe struct GemmKernel256 : IGemmKernel
{
    public static int MR => 6;
    public static int NR => 16;

    public static void Tile(int rows, int kc, float* a, float* b, float* c, long ldc, bool load, float* bias)
    {
        switch (rows)
        {
            case 1: Tile<Rows1>(kc, a, b, c, ldc, load, bias); break;
            case 2: Tile<Rows2>(kc, a, b, c, ldc, load, bias); break;
            case 3: Tile<Rows3>(kc, a, b, c, ldc, load, bias); break;
            case 4: Tile<Rows4>(kc, a, b, c, ldc, load, bias); break;
            case 5: Tile<Rows5>(kc, a, b, c, ldc, load, bias); break;
            case 6: Tile<Rows6>(kc, a, b, c, ldc, load, bias); break;
            default: throw new ArgumentOutOfRangeException(nameof(rows), rows, "1 to 6 rows");
        }
    }

    /// <summary>The first TRows rows of the 6 x 16 tile (the JIT drops the rows that do not exist).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile<TRows>(int kc, float* a, float* b, float* c, long ldc, bool load, float* bias)
        where TRows : struct, IRowCount
    {
        int rows = TRows.Count;
        Vector256<float> c0_0 = default, c0_1 = default;
        Vector256<float> c1_0 = default, c1_1 = default;
        Vector256<float> c2_0 = default, c2_1 = default;
        Vector256<float> c3_0 = default, c3_1 = default;
        Vector256<float> c4_0 = default, c4_1 = default;
        Vector256<float> c5_0 = default, c5_1 = default;
        if (load)
        {
            { c0_0 = Vector256.Load(c); c0_1 = Vector256.Load(c + 8); }
            if (rows > 1) { c1_0 = Vector256.Load(c + ldc); c1_1 = Vector256.Load(c + ldc + 8); }
            if (rows > 2) { c2_0 = Vector256.Load(c + 2 * ldc); c2_1 = Vector256.Load(c + 2 * ldc + 8); }
            if (rows > 3) { c3_0 = Vector256.Load(c + 3 * ldc); c3_1 = Vector256.Load(c + 3 * ldc + 8); }
            if (rows > 4) { c4_0 = Vector256.Load(c + 4 * ldc); c4_1 = Vector256.Load(c + 4 * ldc + 8); }
            if (rows > 5) { c5_0 = Vector256.Load(c + 5 * ldc); c5_1 = Vector256.Load(c + 5 * ldc + 8); }
        }
        for (int k = 0; k < kc; k++)
        {
            var b0 = Vector256.Load(b); var b1 = Vector256.Load(b + 8);
            { var a0 = Vector256.Create(a[0]); c0_0 = Vector256.FusedMultiplyAdd(a0, b0, c0_0); c0_1 = Vector256.FusedMultiplyAdd(a0, b1, c0_1); }
            if (rows > 1) { var a1 = Vector256.Create(a[1]); c1_0 = Vector256.FusedMultiplyAdd(a1, b0, c1_0); c1_1 = Vector256.FusedMultiplyAdd(a1, b1, c1_1); }
            if (rows > 2) { var a2 = Vector256.Create(a[2]); c2_0 = Vector256.FusedMultiplyAdd(a2, b0, c2_0); c2_1 = Vector256.FusedMultiplyAdd(a2, b1, c2_1); }
            if (rows > 3) { var a3 = Vector256.Create(a[3]); c3_0 = Vector256.FusedMultiplyAdd(a3, b0, c3_0); c3_1 = Vector256.FusedMultiplyAdd(a3, b1, c3_1); }
            if (rows > 4) { var a4 = Vector256.Create(a[4]); c4_0 = Vector256.FusedMultiplyAdd(a4, b0, c4_0); c4_1 = Vector256.FusedMultiplyAdd(a4, b1, c4_1); }
            if (rows > 5) { var a5 = Vector256.Create(a[5]); c5_0 = Vector256.FusedMultiplyAdd(a5, b0, c5_0); c5_1 = Vector256.FusedMultiplyAdd(a5, b1, c5_1); }
            a += 6;
            b += 16;
        }
        if (bias != null)
        {
            var bias0 = Vector256.Load(bias); var bias1 = Vector256.Load(bias + 8);
            { c0_0 += bias0; c0_1 += bias1; }
            if (rows > 1) { c1_0 += bias0; c1_1 += bias1; }
            if (rows > 2) { c2_0 += bias0; c2_1 += bias1; }
            if (rows > 3) { c3_0 += bias0; c3_1 += bias1; }
            if (rows > 4) { c4_0 += bias0; c4_1 += bias1; }
            if (rows > 5) { c5_0 += bias0; c5_1 += bias1; }
        }
        { c0_0.Store(c); c0_1.Store(c + 8); }
        if (rows > 1) { c1_0.Store(c + ldc); c1_1.Store(c + ldc + 8); }
        if (rows > 2) { c2_0.Store(c + 2 * ldc); c2_1.Store(c + 2 * ldc + 8); }
        if (rows > 3) { c3_0.Store(c + 3 * ldc); c3_1.Store(c + 3 * ldc + 8); }
        if (rows > 4) { c4_0.Store(c + 4 * ldc); c4_1.Store(c + 4 * ldc + 8); }
        if (rows > 5) { c5_0.Store(c + 5 * ldc); c5_1.Store(c + 5 * ldc + 8); }
    }
}
