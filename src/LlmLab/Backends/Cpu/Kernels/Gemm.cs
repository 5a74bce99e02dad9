using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace LlmLab.Backends.Cpu.Kernels;

/// <summary>
/// Single-precision GEMM in the GotoBLAS/BLIS shape. For each block of <see cref="MC"/> rows and each block of
/// <see cref="KC"/> k, A's block is packed into MR-row panels once; then for each block of <see cref="NC"/> columns
/// B's block is packed into NR-wide panels that stay in L2, and for each A panel (it stays in L1) the micro-kernel
/// sweeps the B panels, each call finishing kc steps of an MR x NR tile of C in registers. The next k block reloads
/// the stored partial sums and goes on, so every element is acc = fma(a[i,k], b[k,j], acc) over k = 0..K-1 in order
/// whatever the blocking, the thread count or the vector width. Edge tiles run the same kernel on zero-padded panels
/// through a small tile buffer.
/// </summary>
internal static unsafe class Gemm
{
    /// <summary>k per block: an A panel (MR x KC) fits L1 beside the B stream.</summary>
    public const int KC = 256;
    /// <summary>Columns per block: a packed B block (KC x NC, 512 KiB) fits a core's L2.</summary>
    public const int NC = 512;
    /// <summary>Rows per block (a multiple of every MR): its packed A (KC x MC, 1.5 MiB) serves all of N from L3.</summary>
    public const int MC = 1536;

    /// <summary>Runs the problem on the AVX-512 kernel where Vector512 is hardware, else (or when asked) the Vector256 one.</summary>
    public static void Run(CpuParallel parallel, GemmProblem problem, bool vector256 = false)
    {
        if (problem.Batch == 0 || problem.M == 0 || problem.N == 0) return;
        if (Gemv.Fits(problem))
        {
            Gemv.Run(parallel, problem);
            return;
        }
        // Tiles run vectors along N: a C narrower than a vector is computed as C^T = B^T A^T (the same bits).
        if (problem.N < 16 && problem.M > problem.N && problem.Segments.All(s => s.BPanelStride == 0)) problem = problem.Transposed();
        if (!vector256 && Vector512.IsHardwareAccelerated) Run<GemmKernel512>(parallel, problem);
        else Run<GemmKernel256>(parallel, problem);
    }

    private static void Run<TKernel>(CpuParallel parallel, GemmProblem p) where TKernel : IGemmKernel
    {
        int mr = TKernel.MR, nr = TKernel.NR;
        long k = 0;
        foreach (var s in p.Segments) k += s.K;
        int mTiles = (p.M + mr - 1) / mr, nTiles = (p.N + nr - 1) / nr;
        // Whole matrices per thread when the batches share out evenly (or are many), else each one cut in Threads parts.
        int parts = p.Batch % parallel.Threads == 0 || p.Batch >= 8 * parallel.Threads ? 1 : parallel.Threads;
        // Each part packs its own operands: splitting N repacks A per part, splitting M repacks all of B per part;
        // the first is cheaper unless M is large.
        bool splitN = nTiles >= parts && (p.M < 512 || mTiles < parts);
        parts = Math.Max(1, Math.Min(parts, splitN ? nTiles : mTiles));
        double flopsPerItem = 2.0 * p.M * p.N * Math.Max(k, 1) / parts;
        parallel.For((long)p.Batch * parts, flopsPerItem, (start, end) =>
        {
            for (long item = start; item < end; item++)
            {
                int batch = (int)(item / parts), part = (int)(item % parts);
                if (splitN)
                    Block<TKernel>(p, batch, 0, p.M, nTiles * part / parts * nr, Math.Min(p.N, nTiles * (part + 1) / parts * nr));
                else
                    Block<TKernel>(p, batch, mTiles * part / parts * mr, Math.Min(p.M, mTiles * (part + 1) / parts * mr), 0, p.N);
            }
        });
    }

    /// <summary>C[m0..m1, n0..n1] of one batch, on the calling thread.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Block<TKernel>(in GemmProblem p, int batch, int m0, int m1, int n0, int n1) where TKernel : IGemmKernel
    {
        int mr = TKernel.MR, nr = TKernel.NR;
        float* packedB = GemmScratch.Get(KC * NC + KC * MC + mr * nr);
        float* packedA = packedB + KC * NC;
        float* tile = packedA + KC * MC;
        var c = p.C.Offset(batch * p.CBatchStride);

        int lastSegment = -1;
        for (int s = 0; s < p.Segments.Length; s++)
            if (p.Segments[s].K > 0) lastSegment = s;
        if (lastSegment < 0)
        {
            Fill(p, c, m0, m1, n0, n1);
            return;
        }

        for (int ic = m0; ic < m1; ic += MC)
        {
            int mc = Math.Min(MC, m1 - ic);
            bool load = p.Accumulate;
            for (int s = 0; s <= lastSegment; s++)
            {
                var segment = p.Segments[s];
                var a = segment.A.Offset(batch * segment.ABatchStride);
                var b = segment.B.Offset(batch * segment.BBatchStride);
                for (int pc = 0; pc < segment.K; pc += KC)
                {
                    int kc = Math.Min(KC, segment.K - pc);
                    bool last = s == lastSegment && pc + kc == segment.K;
                    float* bias = last ? p.Bias : null;
                    // A's rows for this k block are packed once, then reused by every column block.
                    for (int ir = 0; ir < mc; ir += mr)
                        GemmPacking.Panel(packedA + ir * kc, mr, Math.Min(mr, mc - ir), kc, a.At(ic + ir, pc), a.RowStride, a.ColStride, segment.ScaleA);

                    for (int jc = n0; jc < n1; jc += NC)
                    {
                        int nc = Math.Min(NC, n1 - jc);
                        for (int jr = 0; jr < nc; jr += nr)
                            if (segment.BPanelStride > 0)
                                GemmPacking.FromInterleaved(packedB + jr * kc, nr, kc, b.Data, segment.BPanelStride, pc, jc + jr, p.N);
                            else
                                GemmPacking.Panel(packedB + jr * kc, nr, Math.Min(nr, nc - jr), kc, b.At(pc, jc + jr), b.ColStride, b.RowStride, segment.ScaleB);

                        for (int ir = 0; ir < mc; ir += mr)
                        {
                            int rows = Math.Min(mr, mc - ir);
                            float* panelA = packedA + ir * kc;
                            for (int jr = 0; jr < nc; jr += nr)
                            {
                                int cols = Math.Min(nr, nc - jr);
                                float* panelB = packedB + jr * kc;
                                int i = ic + ir, j = jc + jr;
                                if (cols == nr && c.ColStride == 1 && (bias == null || !p.BiasPerRow))
                                    TKernel.Tile(rows, kc, panelA, panelB, c.At(i, j), c.RowStride, load, bias == null ? null : bias + j);
                                else
                                    EdgeTile<TKernel>(rows, cols, kc, panelA, panelB, c.Offset(i * c.RowStride + j * c.ColStride),
                                        load, bias == null ? null : p.BiasPerRow ? bias + i : bias + j, p.BiasPerRow, tile);
                            }
                        }
                    }
                    load = true;
                }
            }
        }
    }

    /// <summary>A tile cut by the edge of C (or of a transposed C): through a dense buffer, the same kernel and order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void EdgeTile<TKernel>(int rows, int cols, int kc, float* a, float* b, StridedMatrix c,
        bool load, float* bias, bool biasPerRow, float* tile) where TKernel : IGemmKernel
    {
        int nr = TKernel.NR;
        if (load)
            for (int i = 0; i < rows; i++)
                for (int j = 0; j < cols; j++)
                    tile[i * nr + j] = *c.At(i, j);
        TKernel.Tile(rows, kc, a, b, tile, nr, load, null);
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++)
            {
                float v = tile[i * nr + j];
                if (bias != null) v += biasPerRow ? bias[i] : bias[j];
                *c.At(i, j) = v;
            }
    }

    /// <summary>K = 0: the empty sum (or C's own value), plus bias.</summary>
    private static void Fill(in GemmProblem p, StridedMatrix c, int m0, int m1, int n0, int n1)
    {
        for (int i = m0; i < m1; i++)
            for (int j = n0; j < n1; j++)
            {
                float v = p.Accumulate ? *c.At(i, j) : 0f;
                if (p.Bias != null) v += p.BiasPerRow ? p.Bias[i] : p.Bias[j];
                *c.At(i, j) = v;
            }
    }
}
