using ILGPU;
using ILGPU.Algorithms;

namespace LlmLab.Backends.Ilgpu.Kernels;

/// <summary>
/// C [M, N] = A B (+ bias, + C) per batch, the SGEMM shape known to run well on NVIDIA GPUs (the step-by-step CUDA
/// SGEMM kernels: block tile, vectorised loads, warp-shaped thread layout). A group owns a Rows x Cols tile of C
/// (<see cref="IMatMulTile"/>), each thread an 8 x 8 block in registers: rows 4 ty .. 4 ty + 3 and Rows/2 + 4 ty ..,
/// columns 4 tx .. and Cols/2 + 4 tx ... Each k step stages a Depth-deep slice of A and of B in shared memory, both
/// k-major (A transposed on the way in when it runs along k), so a thread reads its 8 A and 8 B values of one k as
/// four 16-byte loads: 4 shared loads per 64 multiply-adds (the first kernel needed 16). A warp is 8 columns x 4 rows
/// of threads, so those four loads each touch one 128-byte shared row (a single wavefront, no bank conflicts).
/// Global loads move Float4s along whichever axis is contiguous when the host says the operand is aligned
/// (<see cref="MatMulArgs.Vector"/>), scalars at the edges; the next slice's loads are in flight in registers while
/// this slice is multiplied, and land in the other of two shared buffers (one barrier per step). Segment 2 (LoRA)
/// continues the k sum over other operands, as in <see cref="MatMulKernels"/>. Under split-K (MatMulArgs.Splits) a
/// group sums only its split's run of segment 1's k, into that split's slice of a workspace.
/// </summary>
internal static class MatMulTileKernel
{
    /// <summary>Shared row padding in floats: keeps rows 16-byte aligned and halves the conflicts of transposing stores.</summary>
    private const int Pad = 4;

    public static int Threads<T>() where T : struct, IMatMulTile => default(T).Rows * default(T).Cols / 64;

    public static void MatMul<T, TW>(ArrayView<float> a1, ArrayView<float> b1, ArrayView<float> a2, ArrayView<float> b2,
        ArrayView<float> bias, ArrayView<float> c, ArrayView<byte> weights, ArrayView<float> scales, MatMulArgs p)
        where T : struct, IMatMulTile where TW : struct, IMatMulWeights
    {
        T shape = default;
        int rows = shape.Rows, cols = shape.Cols, depth = shape.Depth, unroll = shape.Unroll, threads = rows * cols / 64;
        // Shared rows in Float4s; two buffers of depth rows each.
        int rowA = (rows + Pad) / 4, rowB = (cols + Pad) / 4;
        var tileA = SharedMemory.Allocate<Float4>(2 * depth * ((shape.Rows + Pad) / 4));
        var tileB = SharedMemory.Allocate<Float4>(2 * depth * ((shape.Cols + Pad) / 4));

        int thread = Group.IdxX, warp = thread >> 5, lane = thread & 31, warpsX = cols / 64;
        int tx = warp % warpsX * 8 + (lane & 7), ty = warp / warpsX * 4 + (lane >> 3);
        int m0 = Grid.IdxY * rows, n0 = Grid.IdxX * cols;
        int split = Grid.IdxZ % p.Splits;
        long batch = p.BatchStart + Grid.IdxZ / p.Splits;
        // This split's part of segment 1's k (all of it without split-K).
        int kBegin = split * p.KChunk, kEnd = XMath.Min(p.K1, kBegin + p.KChunk);

        int steps1 = (XMath.Max(0, kEnd - kBegin) + depth - 1) / depth, steps = steps1 + (p.K2 + depth - 1) / depth;
        var block = new Block8x8();
        var nextA = FetchA(a1, a2, p, batch, m0, 0, steps1, kBegin, kEnd, rows, depth, threads, thread);
        var nextB = FetchB<TW>(b1, b2, weights, p, batch, n0, 0, steps1, kBegin, kEnd, cols, depth, threads, thread);
        Commit(tileA, 0, rowA, nextA, (steps1 > 0 ? p.A1K : p.A2K) == 1, rows, depth, threads, thread);
        Commit(tileB, 0, rowB, nextB, (steps1 > 0 ? p.B1K : p.B2K) == 1, cols, depth, threads, thread);
        nextA = FetchA(a1, a2, p, batch, m0, 1, steps1, kBegin, kEnd, rows, depth, threads, thread);
        nextB = FetchB<TW>(b1, b2, weights, p, batch, n0, 1, steps1, kBegin, kEnd, cols, depth, threads, thread);
        // Step s: commit slice s + 1 (fetched during step s - 1) to the idle buffer, start fetching slice s + 2, then
        // multiply slice s. The multiply-adds come last, after every branch: ILGPU places values next to their uses
        // (here the loop's back edge), so they land in the loop's last block whatever the source order, and there
        // they sit with their shared loads and no store in between, free for ptxas to interleave. Fetches past the
        // last slice read nothing (zeros).
        for (int step = 0; step < steps; step++)
        {
            Group.Barrier();
            int current = step & 1, next = 1 - current;
            bool second = step + 1 >= steps1;
            Commit(tileA, next * depth * rowA, rowA, nextA, (second ? p.A2K : p.A1K) == 1, rows, depth, threads, thread);
            Commit(tileB, next * depth * rowB, rowB, nextB, (second ? p.B2K : p.B1K) == 1, cols, depth, threads, thread);
            nextA = FetchA(a1, a2, p, batch, m0, step + 2, steps1, kBegin, kEnd, rows, depth, threads, thread);
            nextB = FetchB<TW>(b1, b2, weights, p, batch, n0, step + 2, steps1, kBegin, kEnd, cols, depth, threads, thread);

            // This thread's lanes of the current slices as views, so that every read below has a constant offset.
            int ia = current * depth * rowA + ty, ib = current * depth * rowB + tx;
            if (unroll == depth)
            {
                var a = tileA.SubView(ia, tileA.IntLength - ia);
                var b = tileB.SubView(ib, tileB.IntLength - ib);
                Rank8(ref block, a, b, 0, 0, rowA, rowB, rows / 8, cols / 8);
                if (depth == 16) Rank8(ref block, a, b, 8 * rowA, 8 * rowB, rowA, rowB, rows / 8, cols / 8);
            }
            else
            {
                // A loop of `unroll` k a trip: at most 4 * unroll Float4s loaded and not yet used, whatever order
                // ptxas keeps, for a few loop instructions per trip.
                for (int kk = 0; kk < depth; kk += unroll)
                {
                    var a = tileA.SubView(ia + kk * rowA, tileA.IntLength - ia - kk * rowA);
                    var b = tileB.SubView(ib + kk * rowB, tileB.IntLength - ib - kk * rowB);
                    Rank1(ref block, a, b, 0, 0, rows / 8, cols / 8);
                    if (unroll > 1) Rank1(ref block, a, b, rowA, rowB, rows / 8, cols / 8);
                    if (unroll > 2) Rank1(ref block, a, b, 2 * rowA, 2 * rowB, rows / 8, cols / 8);
                    if (unroll > 2) Rank1(ref block, a, b, 3 * rowA, 3 * rowB, rows / 8, cols / 8);
                }
            }
        }

        int colLo = n0 + 4 * tx, colHi = n0 + cols / 2 + 4 * tx;
        int rowLo = m0 + 4 * ty, rowHi = m0 + rows / 2 + 4 * ty;
        Float4 biasLo = default, biasHi = default;
        if (p.HasBias != 0)
        {
            biasLo = Bias(bias, colLo, p.N);
            biasHi = Bias(bias, colHi, p.N);
        }
        // Int8 rows were summed as integers: each column is divided by its scale before the bias, as on the cpu.
        bool unscale = default(TW).Format == MatMulWeights.Int8;
        Float4 scaleLo = default, scaleHi = default;
        if (unscale)
        {
            scaleLo = Scales(scales, p, colLo);
            scaleHi = Scales(scales, p, colHi);
        }
        long cBase = (p.Splits > 1 ? Grid.IdxZ : batch) * p.CBatch; // split-K: this split's slice of the workspace
        bool vector = (p.Vector & MatMulArgs.VectorC) != 0;
        Store(c, p, cBase, rowLo + 0, colLo, colHi, new(block.C00, block.C01, block.C02, block.C03), new(block.C04, block.C05, block.C06, block.C07), biasLo, biasHi, scaleLo, scaleHi, unscale, vector);
        Store(c, p, cBase, rowLo + 1, colLo, colHi, new(block.C10, block.C11, block.C12, block.C13), new(block.C14, block.C15, block.C16, block.C17), biasLo, biasHi, scaleLo, scaleHi, unscale, vector);
        Store(c, p, cBase, rowLo + 2, colLo, colHi, new(block.C20, block.C21, block.C22, block.C23), new(block.C24, block.C25, block.C26, block.C27), biasLo, biasHi, scaleLo, scaleHi, unscale, vector);
        Store(c, p, cBase, rowLo + 3, colLo, colHi, new(block.C30, block.C31, block.C32, block.C33), new(block.C34, block.C35, block.C36, block.C37), biasLo, biasHi, scaleLo, scaleHi, unscale, vector);
        Store(c, p, cBase, rowHi + 0, colLo, colHi, new(block.C40, block.C41, block.C42, block.C43), new(block.C44, block.C45, block.C46, block.C47), biasLo, biasHi, scaleLo, scaleHi, unscale, vector);
        Store(c, p, cBase, rowHi + 1, colLo, colHi, new(block.C50, block.C51, block.C52, block.C53), new(block.C54, block.C55, block.C56, block.C57), biasLo, biasHi, scaleLo, scaleHi, unscale, vector);
        Store(c, p, cBase, rowHi + 2, colLo, colHi, new(block.C60, block.C61, block.C62, block.C63), new(block.C64, block.C65, block.C66, block.C67), biasLo, biasHi, scaleLo, scaleHi, unscale, vector);
        Store(c, p, cBase, rowHi + 3, colLo, colHi, new(block.C70, block.C71, block.C72, block.C73), new(block.C74, block.C75, block.C76, block.C77), biasLo, biasHi, scaleLo, scaleHi, unscale, vector);
    }

    /// <summary>
    /// Eight k values of the staged slices: per k, this thread's two Float4s of A (offset <paramref name="halfA"/> apart)
    /// and of B, then 64 multiply-adds. <paramref name="ia"/>, <paramref name="ib"/>: Float4 index of the first k.
    /// </summary>
    private static void Rank8(ref Block8x8 block, ArrayView<Float4> tileA, ArrayView<Float4> tileB, int ia, int ib,
        int rowA, int rowB, int halfA, int halfB)
    {
        Rank1(ref block, tileA, tileB, ia + 0 * rowA, ib + 0 * rowB, halfA, halfB);
        Rank1(ref block, tileA, tileB, ia + 1 * rowA, ib + 1 * rowB, halfA, halfB);
        Rank1(ref block, tileA, tileB, ia + 2 * rowA, ib + 2 * rowB, halfA, halfB);
        Rank1(ref block, tileA, tileB, ia + 3 * rowA, ib + 3 * rowB, halfA, halfB);
        Rank1(ref block, tileA, tileB, ia + 4 * rowA, ib + 4 * rowB, halfA, halfB);
        Rank1(ref block, tileA, tileB, ia + 5 * rowA, ib + 5 * rowB, halfA, halfB);
        Rank1(ref block, tileA, tileB, ia + 6 * rowA, ib + 6 * rowB, halfA, halfB);
        Rank1(ref block, tileA, tileB, ia + 7 * rowA, ib + 7 * rowB, halfA, halfB);
    }

    /// <summary>One k: this thread's two Float4s of A (at <paramref name="ia"/> and <paramref name="halfA"/> further) and
    /// of B, then 64 multiply-adds.</summary>
    private static void Rank1(ref Block8x8 block, ArrayView<Float4> tileA, ArrayView<Float4> tileB, int ia, int ib, int halfA, int halfB) =>
        block.Add(tileA[ia], tileA[ia + halfA], tileB[ib], tileB[ib + halfB]);

    /// <summary>The Float4s one thread carries from global to shared memory per k slice and operand (one or two).</summary>
    private struct Staged
    {
        public Float4 V0, V1;
    }

    /// <summary>This thread's part of A's k slice <paramref name="step"/> (segment 1's steps from kBegin up to kEnd,
    /// then segment 2's).</summary>
    private static Staged FetchA(ArrayView<float> a1, ArrayView<float> a2, MatMulArgs p, long batch, int m0, int step,
        int steps1, int kBegin, int kEnd, int rows, int depth, int threads, int thread) =>
        step < steps1
            ? Fetch(a1, batch * p.A1Batch, p.A1Row, p.A1K, m0, p.M, kBegin + step * depth, kEnd, p.Scale1,
                (p.Vector & MatMulArgs.VectorA1) != 0, rows, depth, threads, thread)
            : Fetch(a2, batch * p.A2Batch, p.A2Row, p.A2K, m0, p.M, (step - steps1) * depth, p.K2, p.Scale2,
                (p.Vector & MatMulArgs.VectorA2) != 0, rows, depth, threads, thread);

    private static Staged FetchB<TW>(ArrayView<float> b1, ArrayView<float> b2, ArrayView<byte> weights, MatMulArgs p, long batch,
        int n0, int step, int steps1, int kBegin, int kEnd, int cols, int depth, int threads, int thread) where TW : struct, IMatMulWeights =>
        // A quantised weight is segment 1's B only: segment 2 (QLoRA's B^T) is f32 like any other. Int8 rows are summed
        // as integers and each column divided by its scale at the end, which would divide segment 2 too: the backend
        // pairs a segment 2 with Q8_0/Q4_0 only.
        default(TW).Format != MatMulWeights.F32 && step < steps1
            ? FetchWeights(weights, default(TW).Format, p, n0, kBegin + step * depth, kEnd, cols, depth, threads, thread)
            : step < steps1
            ? Fetch(b1, batch * p.B1Batch, p.B1Col, p.B1K, n0, p.N, kBegin + step * depth, kEnd, 1f,
                (p.Vector & MatMulArgs.VectorB1) != 0, cols, depth, threads, thread)
            : Fetch(b2, batch * p.B2Batch, p.B2Col, p.B2K, n0, p.N, (step - steps1) * depth, p.K2, 1f,
                (p.Vector & MatMulArgs.VectorB2) != 0, cols, depth, threads, thread);

    private static Staged Fetch(ArrayView<float> src, long offset, long laneStride, long kStride, int lane0, int lanes, int k0,
        int kEnd, float scale, bool vector, int tileLanes, int depth, int threads, int thread)
    {
        var s = new Staged();
        s.V0 = Fetch4(src, offset, laneStride, kStride, lane0, lanes, k0, kEnd, scale, vector, tileLanes, depth, thread);
        if (tileLanes * depth / 4 > threads)
            s.V1 = Fetch4(src, offset, laneStride, kStride, lane0, lanes, k0, kEnd, scale, vector, tileLanes, depth, thread + threads);
        return s;
    }

    /// <summary>This thread's part of a quantised weight's k slice from k0 (W^T: weight rows are the lanes, along k).</summary>
    private static Staged FetchWeights(ArrayView<byte> weights, int format, MatMulArgs p, int n0, int k0, int kEnd, int cols,
        int depth, int threads, int thread)
    {
        bool vector = (p.Vector & MatMulArgs.VectorB1) != 0;
        var s = new Staged();
        s.V0 = MatMulWeights.Fetch4(weights, format, p.WeightRowBytes, n0, p.N, k0, kEnd, vector, depth, thread);
        if (cols * depth / 4 > threads)
            s.V1 = MatMulWeights.Fetch4(weights, format, p.WeightRowBytes, n0, p.N, k0, kEnd, vector, depth, thread + threads);
        return s;
    }

    /// <summary>
    /// Float4 number <paramref name="q"/> of a tileLanes x depth slice: 4 consecutive k of one lane when memory runs
    /// along k (consecutive q walk k, then lanes), else 4 consecutive lanes of one k; scale * src[offset + lane *
    /// laneStride + k * kStride], 0 outside [0, lanes) x [0, kEnd). One 16-byte load when the operand is aligned and
    /// all four are inside, else four scalar loads.
    /// </summary>
    private static Float4 Fetch4(ArrayView<float> src, long offset, long laneStride, long kStride, int lane0, int lanes,
        int k0, int kEnd, float scale, bool vector, int tileLanes, int depth, int q)
    {
        bool alongK = kStride == 1;
        int lane = lane0 + (alongK ? q / (depth / 4) : q % (tileLanes / 4) * 4);
        int k = k0 + (alongK ? q % (depth / 4) * 4 : q / (tileLanes / 4));
        long at = offset + lane * laneStride + k * kStride;
        if (vector && (alongK ? lane < lanes && k + 3 < kEnd : lane + 3 < lanes && k < kEnd))
            return scale * src.Cast<Float4>()[at >> 2];
        int dl = alongK ? 0 : 1, dk = alongK ? 1 : 0;
        long step = alongK ? kStride : laneStride;
        return scale * new Float4(
            lane < lanes && k < kEnd ? src[at] : 0f,
            lane + dl < lanes && k + dk < kEnd ? src[at + step] : 0f,
            lane + 2 * dl < lanes && k + 2 * dk < kEnd ? src[at + 2 * step] : 0f,
            lane + 3 * dl < lanes && k + 3 * dk < kEnd ? src[at + 3 * step] : 0f);
    }

    /// <summary>Stores a fetched slice k-major into the shared buffer starting at Float4 <paramref name="start"/>.</summary>
    private static void Commit(ArrayView<Float4> tile, int start, int row, Staged s, bool alongK, int tileLanes, int depth,
        int threads, int thread)
    {
        Commit4(tile, start, row, s.V0, alongK, tileLanes, depth, thread);
        if (tileLanes * depth / 4 > threads)
            Commit4(tile, start, row, s.V1, alongK, tileLanes, depth, thread + threads);
    }

    /// <summary>
    /// Float4 <paramref name="q"/> (as <see cref="Fetch4"/> numbers them) to shared memory: down a column as four scalar
    /// stores when it holds four k (A, or B transposed, on its way to k-major), else one 16-byte store along a row.
    /// </summary>
    private static void Commit4(ArrayView<Float4> tile, int start, int row, Float4 v, bool alongK, int tileLanes, int depth, int q)
    {
        if (alongK)
        {
            int lane = q / (depth / 4), k = q % (depth / 4) * 4;
            var scalars = tile.Cast<float>();
            int at = (start + k * row) * 4 + lane;
            scalars[at] = v.X;
            scalars[at + 4 * row] = v.Y;
            scalars[at + 8 * row] = v.Z;
            scalars[at + 12 * row] = v.W;
        }
        else
        {
            tile[start + q / (tileLanes / 4) * row + q % (tileLanes / 4)] = v;
        }
    }

    private static Float4 Scales(ArrayView<float> scales, MatMulArgs p, int col) => new(
        col < p.N ? MatMulWeights.Scale(scales, p.ScaleMode, col) : 1f, col + 1 < p.N ? MatMulWeights.Scale(scales, p.ScaleMode, col + 1) : 1f,
        col + 2 < p.N ? MatMulWeights.Scale(scales, p.ScaleMode, col + 2) : 1f, col + 3 < p.N ? MatMulWeights.Scale(scales, p.ScaleMode, col + 3) : 1f);

    private static Float4 Bias(ArrayView<float> bias, int col, int n) => new(
        col < n ? bias[col] : 0f, col + 1 < n ? bias[col + 1] : 0f, col + 2 < n ? bias[col + 2] : 0f, col + 3 < n ? bias[col + 3] : 0f);

    /// <summary>One row of a thread's block: columns colLo .. colLo + 3 and colHi .. colHi + 3.</summary>
    private static void Store(ArrayView<float> c, MatMulArgs p, long cBase, int row, int colLo, int colHi, Float4 lo, Float4 hi,
        Float4 biasLo, Float4 biasHi, Float4 scaleLo, Float4 scaleHi, bool unscale, bool vector)
    {
        if (row >= p.M) return;
        if (unscale)
        {
            lo = lo / scaleLo;
            hi = hi / scaleHi;
        }
        long rowBase = cBase + (long)row * p.N;
        Store4(c, p, rowBase, colLo, lo + biasLo, vector);
        Store4(c, p, rowBase, colHi, hi + biasHi, vector);
    }

    /// <summary>Four outputs from <paramref name="col"/> on: one 16-byte store (and load, to accumulate) when aligned
    /// and inside, else one scalar per column inside.</summary>
    private static void Store4(ArrayView<float> c, MatMulArgs p, long rowBase, int col, Float4 v, bool vector)
    {
        long at = rowBase + col;
        if (vector && col + 3 < p.N)
        {
            var c4 = c.Cast<Float4>();
            if (p.Accumulate != 0) v += c4[at >> 2];
            c4[at >> 2] = v;
            return;
        }
        Put(c, p, at, col, v.X);
        Put(c, p, at + 1, col + 1, v.Y);
        Put(c, p, at + 2, col + 2, v.Z);
        Put(c, p, at + 3, col + 3, v.W);
    }

    private static void Put(ArrayView<float> c, MatMulArgs p, long at, int col, float v)
    {
        if (col >= p.N) return;
        if (p.Accumulate != 0) v += c[at];
        c[at] = v;
    }
}
