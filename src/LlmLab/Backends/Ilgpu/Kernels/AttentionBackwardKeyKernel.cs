using ILGPU;
using ILGPU.Algorithms;
using static LlmLab.Backends.Ilgpu.Kernels.AttentionBackwardTiles;

namespace LlmLab.Backends.Ilgpu.Kernels;

/// <summary>
/// The key side of attention backward: one group per (batch, kv head, 16 keys) keeps K and V of its keys in shared
/// memory and walks the query heads of its group in order, and their query tiles that can see the keys (causal:
/// from the first query at or after the tile's first key). Per query tile: S = Q K^T and dP = dO V^T, P and
/// dS = P (dP - D) from the query kernel's L and D, stored transposed, then dV += P^T dO and dK += dS^T Q with
/// thread t holding key t / 8, dims t % 8 + 8j in registers. No two groups write one gradient: no atomics, and the
/// sum over query heads has a fixed order.
/// </summary>
internal static class AttentionBackwardKeyKernel
{
    /// <summary>q, dO [B, Hq, Tq, D]; k, v, dK, dV [B, Hkv, Tk, D]; stats [2][B * Hq * Tq] (L, then D).</summary>
    public static void Run(ArrayView<float> q, ArrayView<float> keys, ArrayView<float> values, ArrayView<float> gradOutput,
        ArrayView<int> mask, ArrayView<float> bias, ArrayView<float> stats, ArrayView<float> gradKey, ArrayView<float> gradValue,
        AttentionBackwardParams p)
    {
        var qs = SharedMemory.Allocate<float>(TileFloats);
        var dos = SharedMemory.Allocate<float>(TileFloats);
        var ks = SharedMemory.Allocate<float>(TileFloats);
        var vs = SharedMemory.Allocate<float>(TileFloats);
        var pt = SharedMemory.Allocate<float>(BlockFloats);  // P^T [key][query]
        var dst = SharedMemory.Allocate<float>(BlockFloats); // dS^T [key][query]
        var rowStats = SharedMemory.Allocate<float>(2 * Tile);

        int tid = Group.IdxX, r = tid >> 3, tx = tid & 7;
        // Early (long, when causal) key tiles first.
        int kvHead = Grid.IdxX % (p.Batch * p.KvHeads), kt = Grid.IdxX / (p.Batch * p.KvHeads);
        int b = kvHead / p.KvHeads, g = kvHead - b * p.KvHeads;
        int dim = p.HeadDim, dims = (dim + 3) & ~3, k0 = kt * Tile;
        long kvBase = (long)kvHead * p.KeyLength, rows = (long)p.Batch * p.QueryHeads * p.QueryLength;
        LoadRows(keys, kvBase, k0, p.KeyLength, dim, ks);
        LoadRows(values, kvBase, k0, p.KeyLength, dim, vs);

        int firstQuery = p.Causal != 0 ? XMath.Max(0, k0 - p.QueryOffset) : 0; // earlier queries see none of these keys
        var kLo = AttentionRow8.Zero;
        var kHi = AttentionRow8.Zero;
        var vLo = AttentionRow8.Zero;
        var vHi = AttentionRow8.Zero;
        for (int hg = 0; hg < p.Group; hg++)
        {
            int h = g * p.Group + hg;
            long rowBase = ((long)b * p.QueryHeads + h) * p.QueryLength;
            for (int i0 = firstQuery; i0 < p.QueryLength; i0 += Tile)
            {
                Group.Barrier();
                LoadRows(q, rowBase, i0, p.QueryLength, dim, qs);
                LoadRows(gradOutput, rowBase, i0, p.QueryLength, dim, dos);
                if (tid < 2 * Tile)
                {
                    int row = i0 + (tid & (Tile - 1));
                    rowStats[tid] = row < p.QueryLength ? stats[(tid >= Tile ? rows : 0) + rowBase + row] : 0f;
                }
                Group.Barrier();
                int query = i0 + r;
                var s = Products(qs, ks, r, tx, dims);
                var dp = Products(dos, vs, r, tx, dims);
                float logSumExp = rowStats[r], rowDot = rowStats[Tile + r];
                float p0 = XMath.Exp(Logit(s.A, mask, bias, p, b, h, query, k0 + tx) - logSumExp);
                float p1 = XMath.Exp(Logit(s.B, mask, bias, p, b, h, query, k0 + tx + 8) - logSumExp);
                pt[tx * (Tile + 1) + r] = p0;
                pt[(tx + 8) * (Tile + 1) + r] = p1;
                dst[tx * (Tile + 1) + r] = p0 * (dp.A - rowDot);
                dst[(tx + 8) * (Tile + 1) + r] = p1 * (dp.B - rowDot);
                Group.Barrier();
                vLo = Accumulate(pt, r, dos, tx, vLo);
                kLo = Accumulate(dst, r, qs, tx, kLo);
                if (dim > 64)
                {
                    vHi = Accumulate(pt, r, dos, 64 + tx, vHi);
                    kHi = Accumulate(dst, r, qs, 64 + tx, kHi);
                }
            }
        }
        int key = k0 + r;
        if (key < p.KeyLength)
        {
            long at = (kvBase + key) * dim;
            Write(gradKey, at, dim, 0, tx, kLo, p.Scale);
            Write(gradKey, at, dim, 64, tx, kHi, p.Scale);
            Write(gradValue, at, dim, 0, tx, vLo, 1f);
            Write(gradValue, at, dim, 64, tx, vHi, 1f);
        }
    }
}
