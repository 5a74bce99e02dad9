using ILGPU;
using ILGPU.Algorithms;

namespace LlmLab.Backends.Ilgpu.Kernels;

/// <summary>
/// C = A B (+ bias, + C) for a few rows (decoding: M of 16 or less, a matrix-vector product in disguise), when B runs
/// along k (a Linear layer's weight W [N, K] used as W^T). Such a product is bound by reading B once, so the layout
/// serves that read: a warp owns 4 columns x 8 rows of C, its 32 lanes walk k together 4 floats apart, so each of the
/// 4 weight rows streams in coalesced 512-byte pieces (one 16-byte load per lane), with the matching 16 bytes of the 8
/// A rows (small, read by every warp, so they stay in cache). Each lane keeps 32 partial sums; a transpose through
/// shared memory (<see cref="Block8x4"/>) leaves lane l with output l. Rows past M and columns past N read row / column 0
/// (always there) so the loop has no branches; their sums are never stored. Any layout and alignment works (scalar
/// loads with strides); only this one is fast. Grid: x = 8-row chunk (so chunks of the same columns run side by side
/// and share B through L2), y = 16-column block, z = batch.
/// </summary>
internal static class MatMulSkinnyKernel
{
    public const int Rows = 8, ColsPerWarp = 4, Warps = 4, Threads = Warps * 32;

    public static void MatMul(ArrayView<float> a1, ArrayView<float> b1, ArrayView<float> a2, ArrayView<float> b2,
        ArrayView<float> bias, ArrayView<float> c, MatMulArgs p)
    {
        int lane = Group.IdxX & 31, warp = Group.IdxX >> 5;
        int r0 = Grid.IdxX * Rows, n0 = (Grid.IdxY * Warps + warp) * ColsPerWarp;
        long batch = p.BatchStart + Grid.IdxZ;
        var sums = new Block8x4();
        Segment(ref sums, a1, b1, batch * p.A1Batch, p.A1Row, p.A1K, batch * p.B1Batch, p.B1Col, p.B1K, p.K1, p.Scale1,
            (p.Vector & (MatMulArgs.VectorA1 | MatMulArgs.VectorB1)) == (MatMulArgs.VectorA1 | MatMulArgs.VectorB1), r0, n0, p.M, p.N, lane);
        if (p.K2 > 0)
            Segment(ref sums, a2, b2, batch * p.A2Batch, p.A2Row, p.A2K, batch * p.B2Batch, p.B2Col, p.B2K, p.K2, p.Scale2,
                (p.Vector & (MatMulArgs.VectorA2 | MatMulArgs.VectorB2)) == (MatMulArgs.VectorA2 | MatMulArgs.VectorB2), r0, n0, p.M, p.N, lane);
        var scratch = SharedMemory.Allocate<float>(Warps * 32 * 33);
        float total = sums.Total(scratch.SubView(warp * 32 * 33, 32 * 33), lane);

        int row = r0 + lane / ColsPerWarp, col = n0 + lane % ColsPerWarp;
        if (row >= p.M || col >= p.N) return;
        if (p.HasBias != 0) total += bias[col];
        long at = batch * p.CBatch + (long)row * p.N + col;
        if (p.Accumulate != 0) total += c[at];
        c[at] = total;
    }

    /// <summary>
    /// sums[r, j] += scale * sum over k &lt; <paramref name="k"/> of a[aBase + (r0 + r) aRow + k aK] b[bBase + (n0 + j) bCol
    /// + k bK]. <paramref name="vector"/>: both are aligned; when both also run along k (aK = bK = 1), Float4 loads, 4 k a lane.
    /// </summary>
    private static void Segment(ref Block8x4 sums, ArrayView<float> a, ArrayView<float> b, long aBase, long aRow, long aK,
        long bBase, long bCol, long bK, int k, float scale, bool vector, int r0, int n0, int m, int n, int lane)
    {
        long x0 = aBase + XMath.Min(r0 + 0, m - 1) * aRow, x1 = aBase + XMath.Min(r0 + 1, m - 1) * aRow;
        long x2 = aBase + XMath.Min(r0 + 2, m - 1) * aRow, x3 = aBase + XMath.Min(r0 + 3, m - 1) * aRow;
        long x4 = aBase + XMath.Min(r0 + 4, m - 1) * aRow, x5 = aBase + XMath.Min(r0 + 5, m - 1) * aRow;
        long x6 = aBase + XMath.Min(r0 + 6, m - 1) * aRow, x7 = aBase + XMath.Min(r0 + 7, m - 1) * aRow;
        long w0 = bBase + XMath.Min(n0 + 0, n - 1) * bCol, w1 = bBase + XMath.Min(n0 + 1, n - 1) * bCol;
        long w2 = bBase + XMath.Min(n0 + 2, n - 1) * bCol, w3 = bBase + XMath.Min(n0 + 3, n - 1) * bCol;
        int first = 0;
        if (vector && aK == 1 && bK == 1)
        {
            var a4 = a.Cast<Float4>();
            var b4 = b.Cast<Float4>();
            int whole = k & ~3;
            for (int kk = 4 * lane; kk < whole; kk += 128)
                sums.Add(
                    scale * a4[(x0 + kk) >> 2], scale * a4[(x1 + kk) >> 2], scale * a4[(x2 + kk) >> 2], scale * a4[(x3 + kk) >> 2],
                    scale * a4[(x4 + kk) >> 2], scale * a4[(x5 + kk) >> 2], scale * a4[(x6 + kk) >> 2], scale * a4[(x7 + kk) >> 2],
                    b4[(w0 + kk) >> 2], b4[(w1 + kk) >> 2], b4[(w2 + kk) >> 2], b4[(w3 + kk) >> 2]);
            first = whole;
        }
        for (int kk = first + lane; kk < k; kk += 32)
        {
            long ka = kk * aK, kb = kk * bK;
            sums.Add(
                scale * a[x0 + ka], scale * a[x1 + ka], scale * a[x2 + ka], scale * a[x3 + ka],
                scale * a[x4 + ka], scale * a[x5 + ka], scale * a[x6 + ka], scale * a[x7 + ka],
                b[w0 + kb], b[w1 + kb], b[w2 + kb], b[w3 + kb]);
        }
    }
}
