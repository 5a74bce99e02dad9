using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace LlmLab.Backends.Cpu.Kernels;

/// <summary>
/// C = A B + bias for at most <see cref="MaxRows"/> rows of A against a B whose columns run contiguous over k: a
/// decode step's activations times a linear weight stored [out, in]. <see cref="Gemm"/> would pack all of B for so
/// few rows (read it, write a copy, read that again); here each 8 x 8 block of the weight is transposed in
/// registers and used at once, so the weight streams from memory once. Every element is still
/// acc = fma(a[i,k], b[k,j], acc) over k = 0..K-1 in order, then + bias[j]: <see cref="Gemm"/>'s bits, whatever the
/// thread count.
/// </summary>
internal static unsafe class Gemv
{
    public const int MaxRows = 4;
    /// <summary>Outputs per block: two 8-lane accumulators a row, two chains in flight to hide the fma latency.</summary>
    private const int Columns = 16;

    /// <summary>Whether <paramref name="p"/> is a few plain rows against a B stored [N, K] (no scale, no accumulate).</summary>
    public static bool Fits(in GemmProblem p) =>
        p.M <= MaxRows && p.Segments.Length == 1 && !p.Accumulate && !p.BiasPerRow && p.C.ColStride == 1
        && p.Segments[0] is { ScaleA: 1f, ScaleB: 1f, B.RowStride: 1, BPanelStride: 0 } && Avx.IsSupported && Fma.IsSupported;

    public static void Run(CpuParallel parallel, GemmProblem p)
    {
        int blocks = (p.N + Columns - 1) / Columns;
        parallel.For((long)p.Batch * blocks, 2.0 * p.M * Columns * p.Segments[0].K, (start, end) =>
        {
            for (long item = start; item < end; item++)
            {
                int batch = (int)(item / blocks), j = (int)(item % blocks) * Columns;
                Block(p, batch, j, Math.Min(Columns, p.N - j));
            }
        });
    }

    private static void Block(in GemmProblem p, int batch, int j, int columns)
    {
        var s = p.Segments[0];
        var a = s.A.Offset(batch * s.ABatchStride);
        float* w = s.B.Offset(batch * s.BBatchStride).At(0, j);
        long ldw = s.B.ColStride;
        float* c = p.C.Offset(batch * p.CBatchStride).At(0, j);
        float* bias = p.Bias == null ? null : p.Bias + j;
        if (columns < Columns)
        {
            Scalar(p.M, columns, 0, s.K, a, w, ldw, c, p.C.RowStride, bias, accumulated: false);
            return;
        }
        switch (p.M)
        {
            case 1: Block<Rows1>(s.K, a, w, ldw, c, p.C.RowStride, bias); break;
            case 2: Block<Rows2>(s.K, a, w, ldw, c, p.C.RowStride, bias); break;
            case 3: Block<Rows3>(s.K, a, w, ldw, c, p.C.RowStride, bias); break;
            default: Block<Rows4>(s.K, a, w, ldw, c, p.C.RowStride, bias); break;
        }
    }

    /// <summary>16 outputs of TRows rows: the k sum in 8-step blocks through registers, the last k % 8 steps scalar.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Block<TRows>(int k, StridedMatrix a, float* w, long ldw, float* c, long ldc, float* bias)
        where TRows : struct, IRowCount
    {
        int rows = TRows.Count;
        Vector256<float> c0 = default, c1 = default, c2 = default, c3 = default; // columns 0-7 of rows 0-3
        Vector256<float> d0 = default, d1 = default, d2 = default, d3 = default; // columns 8-15
        int kk = 0;
        for (; kk + 8 <= k; kk += 8)
        {
            Transpose(w + kk, ldw, out var l0, out var l1, out var l2, out var l3, out var l4, out var l5, out var l6, out var l7);
            Transpose(w + 8 * ldw + kk, ldw, out var h0, out var h1, out var h2, out var h3, out var h4, out var h5, out var h6, out var h7);
            Step<TRows>(a, kk, l0, h0, ref c0, ref c1, ref c2, ref c3, ref d0, ref d1, ref d2, ref d3);
            Step<TRows>(a, kk + 1, l1, h1, ref c0, ref c1, ref c2, ref c3, ref d0, ref d1, ref d2, ref d3);
            Step<TRows>(a, kk + 2, l2, h2, ref c0, ref c1, ref c2, ref c3, ref d0, ref d1, ref d2, ref d3);
            Step<TRows>(a, kk + 3, l3, h3, ref c0, ref c1, ref c2, ref c3, ref d0, ref d1, ref d2, ref d3);
            Step<TRows>(a, kk + 4, l4, h4, ref c0, ref c1, ref c2, ref c3, ref d0, ref d1, ref d2, ref d3);
            Step<TRows>(a, kk + 5, l5, h5, ref c0, ref c1, ref c2, ref c3, ref d0, ref d1, ref d2, ref d3);
            Step<TRows>(a, kk + 6, l6, h6, ref c0, ref c1, ref c2, ref c3, ref d0, ref d1, ref d2, ref d3);
            Step<TRows>(a, kk + 7, l7, h7, ref c0, ref c1, ref c2, ref c3, ref d0, ref d1, ref d2, ref d3);
        }
        // The partial sums go to C, and the last steps (and the bias) continue each element's chain there.
        c0.Store(c); d0.Store(c + 8);
        if (rows > 1) { c1.Store(c + ldc); d1.Store(c + ldc + 8); }
        if (rows > 2) { c2.Store(c + 2 * ldc); d2.Store(c + 2 * ldc + 8); }
        if (rows > 3) { c3.Store(c + 3 * ldc); d3.Store(c + 3 * ldc + 8); }
        if (kk < k || bias != null) Scalar(rows, Columns, kk, k, a, w, ldw, c, ldc, bias, accumulated: true);
    }

    /// <summary>One k step: acc = fma(a[i,k], b[k,j], acc) for the 16 columns of every row.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Step<TRows>(StridedMatrix a, int k, Vector256<float> low, Vector256<float> high,
        ref Vector256<float> c0, ref Vector256<float> c1, ref Vector256<float> c2, ref Vector256<float> c3,
        ref Vector256<float> d0, ref Vector256<float> d1, ref Vector256<float> d2, ref Vector256<float> d3)
        where TRows : struct, IRowCount
    {
        int rows = TRows.Count;
        { var x = Vector256.Create(*a.At(0, k)); c0 = Fma.MultiplyAdd(x, low, c0); d0 = Fma.MultiplyAdd(x, high, d0); }
        if (rows > 1) { var x = Vector256.Create(*a.At(1, k)); c1 = Fma.MultiplyAdd(x, low, c1); d1 = Fma.MultiplyAdd(x, high, d1); }
        if (rows > 2) { var x = Vector256.Create(*a.At(2, k)); c2 = Fma.MultiplyAdd(x, low, c2); d2 = Fma.MultiplyAdd(x, high, d2); }
        if (rows > 3) { var x = Vector256.Create(*a.At(3, k)); c3 = Fma.MultiplyAdd(x, low, c3); d3 = Fma.MultiplyAdd(x, high, d3); }
    }

    /// <summary>
    /// Columns of C one element at a time over k0..k-1, from 0 or (<paramref name="accumulated"/>) from C's partial
    /// sums, then + bias: the same fma chain, so the same bits as the vector lanes.
    /// </summary>
    private static void Scalar(int rows, int columns, int k0, int k, StridedMatrix a, float* w, long ldw, float* c, long ldc, float* bias, bool accumulated)
    {
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < columns; j++)
            {
                float acc = accumulated ? c[i * ldc + j] : 0f;
                float* column = w + j * ldw;
                for (int kk = k0; kk < k; kk++) acc = MathF.FusedMultiplyAdd(*a.At(i, kk), column[kk], acc);
                if (bias != null) acc += bias[j];
                c[i * ldc + j] = acc;
            }
    }

    /// <summary>
    /// Rows 0-7 of an 8 x 8 block at <paramref name="src"/> (row stride <paramref name="stride"/>) as columns: vk's lane
    /// r is src[r, k]. Rows r and r + 4 share a register from two 128-bit loads, so a 4 x 4 transpose in each half
    /// finishes it: 16 shuffles instead of 24 (on 2 threads the [50257, 768] head went from 27 to 34 GB/s).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose(float* src, long stride,
        out Vector256<float> v0, out Vector256<float> v1, out Vector256<float> v2, out Vector256<float> v3,
        out Vector256<float> v4, out Vector256<float> v5, out Vector256<float> v6, out Vector256<float> v7)
    {
        Columns4(src, stride, out v0, out v1, out v2, out v3);
        Columns4(src + 4, stride, out v4, out v5, out v6, out v7);
    }

    /// <summary>Columns 0-3 of rows 0-7 at <paramref name="src"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Columns4(float* src, long stride,
        out Vector256<float> v0, out Vector256<float> v1, out Vector256<float> v2, out Vector256<float> v3)
    {
        var a0 = Avx.InsertVector128(Vector128.Load(src).ToVector256Unsafe(), Vector128.Load(src + 4 * stride), 1);
        var a1 = Avx.InsertVector128(Vector128.Load(src + stride).ToVector256Unsafe(), Vector128.Load(src + 5 * stride), 1);
        var a2 = Avx.InsertVector128(Vector128.Load(src + 2 * stride).ToVector256Unsafe(), Vector128.Load(src + 6 * stride), 1);
        var a3 = Avx.InsertVector128(Vector128.Load(src + 3 * stride).ToVector256Unsafe(), Vector128.Load(src + 7 * stride), 1);
        var t0 = Avx.UnpackLow(a0, a1); var t1 = Avx.UnpackHigh(a0, a1);
        var t2 = Avx.UnpackLow(a2, a3); var t3 = Avx.UnpackHigh(a2, a3);
        v0 = Avx.Shuffle(t0, t2, 0x44); v1 = Avx.Shuffle(t0, t2, 0xEE);
        v2 = Avx.Shuffle(t1, t3, 0x44); v3 = Avx.Shuffle(t1, t3, 0xEE);
    }
}
