using ILGPU;
using ILGPU.Algorithms;
using static LlmLab.Backends.Ilgpu.Kernels.AttentionBackwardTiles;

namespace LlmLab.Backends.Ilgpu.Kernels;

/// <summary>
/// The query side of attention backward: one group per (batch, query head, 16 queries) walks the visible key
/// tiles twice. First for each row's logsumexp L (running max and sum; +infinity where a row sees no key), with
/// D = rowsum(dO * O); both go to <c>stats</c> for <see cref="AttentionBackwardKeyKernel"/>. Then per key tile:
/// S = Q K^T and dP = dO V^T (2 per thread), P = e^(S scale + bias - L), dS = P (dP - D) into shared memory, and
/// dQ += dS K with thread t holding row t / 8, dims t % 8 + 8j in registers. dQ = scale times that at the end.
/// </summary>
internal static class AttentionBackwardQueryKernel
{
    /// <summary>q, o, dO, dQ [B, Hq, Tq, D]; k, v [B, Hkv, Tk, D]; stats [2][B * Hq * Tq] (L, then D).</summary>
    public static void Run(ArrayView<float> q, ArrayView<float> keys, ArrayView<float> values, ArrayView<float> output,
        ArrayView<float> gradOutput, ArrayView<int> mask, ArrayView<float> bias, ArrayView<float> stats, ArrayView<float> gradQuery,
        AttentionBackwardParams p)
    {
        var qs = SharedMemory.Allocate<float>(TileFloats);
        var dos = SharedMemory.Allocate<float>(TileFloats);
        var ks = SharedMemory.Allocate<float>(TileFloats);
        var vs = SharedMemory.Allocate<float>(TileFloats);
        var ds = SharedMemory.Allocate<float>(BlockFloats);

        int tid = Group.IdxX, r = tid >> 3, tx = tid & 7;
        // Late (long, when causal) query tiles first.
        int bh = Grid.IdxX % (p.Batch * p.QueryHeads), qt = p.QueryTiles - 1 - Grid.IdxX / (p.Batch * p.QueryHeads);
        int b = bh / p.QueryHeads, h = bh - b * p.QueryHeads;
        int dim = p.HeadDim, dims = (dim + 3) & ~3, i0 = qt * Tile, query = i0 + r;
        long rowBase = (long)bh * p.QueryLength;
        long kvBase = ((long)b * p.KvHeads + h / p.Group) * p.KeyLength;
        LoadRows(q, rowBase, i0, p.QueryLength, dim, qs);
        LoadRows(gradOutput, rowBase, i0, p.QueryLength, dim, dos);
        Group.Barrier();

        // D: the 8 lanes of a row take dims tx + 8j.
        float dot = 0;
        if (query < p.QueryLength)
            for (int d = tx; d < dim; d += 8)
                dot += dos[r * Stride + d] * output[(rowBase + query) * dim + d];
        float rowDot = RowSum(dot);

        int lastQuery = XMath.Min(i0 + Tile, p.QueryLength) - 1;
        int keyEnd = p.Causal != 0 ? XMath.Min(p.KeyLength, p.QueryOffset + lastQuery + 1) : p.KeyLength;
        int keyTiles = keyEnd <= 0 ? 0 : (keyEnd + Tile - 1) / Tile;

        float max = float.NegativeInfinity, sum = 0; // sum: this lane's share
        for (int kt = 0; kt < keyTiles; kt++)
        {
            int k0 = kt * Tile;
            Group.Barrier();
            LoadRows(keys, kvBase, k0, p.KeyLength, dim, ks);
            Group.Barrier();
            var s = Products(qs, ks, r, tx, dims);
            float x0 = Logit(s.A, mask, bias, p, b, h, query, k0 + tx), x1 = Logit(s.B, mask, bias, p, b, h, query, k0 + tx + 8);
            float newMax = XMath.Max(max, RowMax(XMath.Max(x0, x1)));
            float m = newMax == float.NegativeInfinity ? 0f : newMax; // no -inf - -inf
            sum = sum * XMath.Exp(max - m) + (XMath.Exp(x0 - m) + XMath.Exp(x1 - m));
            max = newMax;
        }
        sum = RowSum(sum);
        float logSumExp = sum > 0 ? max + XMath.Log(sum) : float.PositiveInfinity;
        long rows = (long)p.Batch * p.QueryHeads * p.QueryLength;
        if (tx == 0 && query < p.QueryLength)
        {
            stats[rowBase + query] = logSumExp;
            stats[rows + rowBase + query] = rowDot;
        }

        var lo = AttentionRow8.Zero;
        var hi = AttentionRow8.Zero;
        for (int kt = 0; kt < keyTiles; kt++)
        {
            int k0 = kt * Tile;
            Group.Barrier();
            LoadRows(keys, kvBase, k0, p.KeyLength, dim, ks);
            LoadRows(values, kvBase, k0, p.KeyLength, dim, vs);
            Group.Barrier();
            var s = Products(qs, ks, r, tx, dims);
            var dp = Products(dos, vs, r, tx, dims);
            float p0 = XMath.Exp(Logit(s.A, mask, bias, p, b, h, query, k0 + tx) - logSumExp);
            float p1 = XMath.Exp(Logit(s.B, mask, bias, p, b, h, query, k0 + tx + 8) - logSumExp);
            ds[r * (Tile + 1) + tx] = p0 * (dp.A - rowDot);
            ds[r * (Tile + 1) + tx + 8] = p1 * (dp.B - rowDot);
            Group.Barrier();
            lo = Accumulate(ds, r, ks, tx, lo);
            if (dim > 64) hi = Accumulate(ds, r, ks, 64 + tx, hi);
        }
        if (query < p.QueryLength)
        {
            long at = (rowBase + query) * dim;
            Write(gradQuery, at, dim, 0, tx, lo, p.Scale);
            Write(gradQuery, at, dim, 64, tx, hi, p.Scale);
        }
    }
}
