using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace LlmLab.Backends.Cpu.Kernels;

/// <summary>
/// A linear weight [N, K] stored for inference in panels of <see cref="Width"/> rows interleaved over k: element
/// (n, k) at [(n / 16) K 16 + k 16 + n % 16], the last panel padded with zeros. This is the layout the GEMM packs B
/// into, made once: a decode step reads the 16 outputs' weights for each k as two contiguous vectors, with none of
/// <see cref="Gemv"/>'s 8 x 8 transposes, and a prefill's GEMM packs its B panels by plain copies. Every output is
/// still acc = fma(a[i,k], w[n,k], acc) over k = 0..K-1 in order, then + bias[n]: the bits of <see cref="Gemm"/>
/// on the weight stored [N, K].
/// </summary>
internal static unsafe class Interleaved
{
    public const int Width = 16;
    /// <summary>Rows of A the decode kernel takes; more go through the GEMM.</summary>
    public const int MaxRows = 4;

    public static int Panels(int n) => (n + Width - 1) / Width;

    /// <summary>dst = the interleaved form of <paramref name="w"/> [n, k] (row-major).</summary>
    public static void Pack(CpuParallel parallel, float* w, int n, int k, float* dst) =>
        parallel.For(Panels(n), 2.0 * Width * k, (start, end) =>
        {
            for (long p = start; p < end; p++)
            {
                int row = (int)p * Width;
                GemmPacking.Panel(dst + p * Width * k, Width, Math.Min(Width, n - row), k, w + (long)row * k, k, 1, 1f);
            }
        });

    /// <summary>dst [n, k] (row-major) = the weight an interleaved one stands for.</summary>
    public static void Unpack(CpuParallel parallel, float* panels, int n, int k, float* dst) =>
        parallel.For(n, 2.0 * k, (start, end) =>
        {
            for (long row = start; row < end; row++) Row(panels, k, (int)row, dst + row * k);
        });

    /// <summary>Row <paramref name="row"/> of the weight: an embedding lookup in a tied table.</summary>
    public static void Row(float* panels, int k, int row, float* dst)
    {
        float* src = panels + (long)(row / Width) * Width * k + row % Width;
        for (int kk = 0; kk < k; kk++) dst[kk] = src[(long)kk * Width];
    }

    /// <summary>
    /// C [m, n] = A [m, k] (row stride <paramref name="lda"/>) times the interleaved weight transposed, + bias, for
    /// m up to <see cref="MaxRows"/>: each panel's weights stream once while every row's 16 sums stay in registers.
    /// </summary>
    public static void Gemv(CpuParallel parallel, int m, int n, int k, float* a, long lda, float* panels, float* bias, float* c, long ldc)
    {
        if (m < 1 || m > MaxRows) throw new ArgumentOutOfRangeException(nameof(m), $"the interleaved decode kernel takes 1 to {MaxRows} rows, got {m}");
        parallel.For(Panels(n), 2.0 * m * Width * k, (start, end) =>
        {
            float* tile = stackalloc float[MaxRows * Width];
            for (long p = start; p < end; p++)
            {
                int j = (int)p * Width, columns = Math.Min(Width, n - j);
                // A cut panel goes through the tile, so the kernel always writes 16 columns.
                bool cut = columns < Width;
                float* target = cut ? tile : c + j;
                long ldt = cut ? Width : ldc;
                float* w = panels + p * Width * k;
                if (Fma.IsSupported)
                    switch (m)
                    {
                        case 1: Panel<Rows1>(k, a, lda, w, target, ldt); break;
                        case 2: Panel<Rows2>(k, a, lda, w, target, ldt); break;
                        case 3: Panel<Rows3>(k, a, lda, w, target, ldt); break;
                        default: Panel<Rows4>(k, a, lda, w, target, ldt); break;
                    }
                else
                    Scalar(m, k, a, lda, w, target, ldt);
                if (!cut && bias == null) continue;   // the sums are in C already
                for (int i = 0; i < m; i++)
                    for (int jj = 0; jj < columns; jj++)
                    {
                        float v = target[i * ldt + jj];
                        if (bias != null) v += bias[j + jj];
                        c[i * ldc + j + jj] = v;
                    }
            }
        });
    }

    /// <summary>16 sums of TRows rows over one panel: per k, two loads of weights and two fmas a row.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Panel<TRows>(int k, float* a, long lda, float* w, float* c, long ldc) where TRows : struct, IRowCount
    {
        int rows = TRows.Count;
        Vector256<float> c0 = default, c1 = default, c2 = default, c3 = default; // columns 0-7 of rows 0-3
        Vector256<float> d0 = default, d1 = default, d2 = default, d3 = default; // columns 8-15
        for (int kk = 0; kk < k; kk++, w += Width)
        {
            var low = Vector256.Load(w);
            var high = Vector256.Load(w + 8);
            { var x = Vector256.Create(a[kk]); c0 = Fma.MultiplyAdd(x, low, c0); d0 = Fma.MultiplyAdd(x, high, d0); }
            if (rows > 1) { var x = Vector256.Create(a[lda + kk]); c1 = Fma.MultiplyAdd(x, low, c1); d1 = Fma.MultiplyAdd(x, high, d1); }
            if (rows > 2) { var x = Vector256.Create(a[2 * lda + kk]); c2 = Fma.MultiplyAdd(x, low, c2); d2 = Fma.MultiplyAdd(x, high, d2); }
            if (rows > 3) { var x = Vector256.Create(a[3 * lda + kk]); c3 = Fma.MultiplyAdd(x, low, c3); d3 = Fma.MultiplyAdd(x, high, d3); }
        }
        c0.Store(c); d0.Store(c + 8);
        if (rows > 1) { c1.Store(c + ldc); d1.Store(c + ldc + 8); }
        if (rows > 2) { c2.Store(c + 2 * ldc); d2.Store(c + 2 * ldc + 8); }
        if (rows > 3) { c3.Store(c + 3 * ldc); d3.Store(c + 3 * ldc + 8); }
    }

    /// <summary>The same fma chains one element at a time, where the CPU has no FMA instructions.</summary>
    private static void Scalar(int m, int k, float* a, long lda, float* w, float* c, long ldc)
    {
        for (int i = 0; i < m; i++)
            for (int j = 0; j < Width; j++)
            {
                float acc = 0f;
                for (int kk = 0; kk < k; kk++) acc = MathF.FusedMultiplyAdd(a[i * lda + kk], w[(long)kk * Width + j], acc);
                c[i * ldc + j] = acc;
            }
    }
}
