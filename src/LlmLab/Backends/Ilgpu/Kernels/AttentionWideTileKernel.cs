using ILGPU;
using ILGPU.Algorithms;
using static LlmLab.Backends.Ilgpu.Kernels.AttentionTileKernel;

namespace LlmLab.Backends.Ilgpu.Kernels;

/// <summary>
/// Flash attention for head dims 65..128 (Llama's 128): the tiles, thread layout and online softmax of
/// <see cref="AttentionTileKernel"/>, with the head dim taken in two 64-wide chunks through the same 48 KiB of shared
/// memory. Per key tile: S = Q[:, :64] K[:, :64]^T + Q[:, 64:] K[:, 64:]^T (Q is reloaded per chunk, since a whole
/// 64 x 128 Q tile would fill shared memory alone), then O[:, :64] += P V[:, :64] and O[:, 64:] += P V[:, 64:].
/// Each thread keeps 4 rows x 16 dims of the output in registers.
/// </summary>
internal static class AttentionWideTileKernel
{
    public const int MaxDim = 2 * Tile;

    public static void Run(ArrayView<float> q, ArrayView<float> keys, ArrayView<float> values, ArrayView<int> mask,
        ArrayView<float> bias, ArrayView<float> output, ArrayView<float> partial, AttentionParams p)
    {
        var qt = SharedMemory.Allocate<float>(Tile * Tile); // Q^T chunk [dim][query], pre-scaled into base 2
        var kp = SharedMemory.Allocate<float>(Tile * Tile); // K^T chunk [dim][key ^ (dim & 7)], then P^T
        var vs = SharedMemory.Allocate<float>(Tile * Tile); // V chunk [key][dim]

        int tid = Group.IdxX, lane = tid & 31, warp = tid >> 5, tx = lane & 7;
        int row0 = warp * 16 + (lane >> 3) * 4;
        var work = TileWork.Of(p);
        int bh = work.Head, b = bh / p.QueryHeads, h = bh - b * p.QueryHeads;
        int dim = p.HeadDim, rest = dim - Tile, q0 = work.QueryTile * Tile; // rest: dims of the second chunk, 1..64
        long qBase = (long)bh * p.QueryLength * dim;
        long kvBase = ((long)b * p.KvHeads + h / p.Group) * p.KeyRowsPerHead * dim;
        int qRow = tid & 63, qDim = tid >> 6, laneKey = (lane >> 3) << 3, vDim = tid & 63, vKey = tid >> 6;
        long qAt = qBase + (long)(q0 + qRow) * dim;
        bool qLive = q0 + qRow < p.QueryLength;

        int lastQuery = XMath.Min(q0 + Tile, p.QueryLength) - 1;
        int keyEnd = p.Causal != 0 ? XMath.Min(p.TotalKeys, p.QueryOffset + lastQuery + 1) : p.TotalKeys;
        int firstTile = work.FirstKeyTile(p), keyTiles = work.EndKeyTile(p, keyEnd);

        float m0 = float.NegativeInfinity, m1 = float.NegativeInfinity, m2 = float.NegativeInfinity, m3 = float.NegativeInfinity;
        float l0 = 0, l1 = 0, l2 = 0, l3 = 0;
        var lo = AttentionTile4x8.Zero; // output dims tx + 8j
        var hi = AttentionTile4x8.Zero; // output dims 64 + tx + 8j

        for (int kt = firstTile; kt < keyTiles; kt++)
        {
            int k0 = kt * Tile;

            // Chunk 0 of Q, K and V: all loads in flight, then stored once the previous tile is done with them.
            var qa = LoadQuery(q, qAt, qLive, qDim, Tile);
            var qb = LoadQuery(q, qAt, qLive, qDim + 16, Tile);
            var qc = LoadQuery(q, qAt, qLive, qDim + 32, Tile);
            var qd = LoadQuery(q, qAt, qLive, qDim + 48, Tile);
            var ka = LoadKeys(keys, kvBase, k0, keyEnd, Tile, warp, laneKey, tx, dim);
            var kb = LoadKeys(keys, kvBase, k0, keyEnd, Tile, warp + 32, laneKey, tx, dim);
            var kc = LoadKeys(keys, kvBase, k0, keyEnd, Tile, warp + 64, laneKey, tx, dim);
            var kd = LoadKeys(keys, kvBase, k0, keyEnd, Tile, warp + 96, laneKey, tx, dim);
            var va = LoadValues(values, kvBase, k0 + vKey, keyEnd, vDim, Tile, dim);
            var vb = LoadValues(values, kvBase, k0 + vKey + 16, keyEnd, vDim, Tile, dim);
            var vc = LoadValues(values, kvBase, k0 + vKey + 32, keyEnd, vDim, Tile, dim);
            var vd = LoadValues(values, kvBase, k0 + vKey + 48, keyEnd, vDim, Tile, dim);
            Group.Barrier(); // the previous tile's Q^T, P^T and V are no longer read
            StoreQuery(qt, qa, qb, qc, qd, qDim, qRow, p.ScaleLog2);
            StoreKeys(kp, ka, warp, laneKey, tx);
            StoreKeys(kp, kb, warp + 32, laneKey, tx);
            StoreKeys(kp, kc, warp + 64, laneKey, tx);
            StoreKeys(kp, kd, warp + 96, laneKey, tx);
            va.Store(vs, (vKey << 6) + vDim, 128);
            vb.Store(vs, ((vKey + 16) << 6) + vDim, 128);
            vc.Store(vs, ((vKey + 32) << 6) + vDim, 128);
            vd.Store(vs, ((vKey + 48) << 6) + vDim, 128);
            Group.Barrier();
            var st = ScoreLoop(qt, kp, row0, tx, Tile, AttentionTile4x8.Zero);

            // Chunk 1 of Q and K: the dims past 64 (zeros past the head dim).
            qa = LoadQuery(q, qAt + Tile, qLive, qDim, rest);
            qb = LoadQuery(q, qAt + Tile, qLive, qDim + 16, rest);
            qc = LoadQuery(q, qAt + Tile, qLive, qDim + 32, rest);
            qd = LoadQuery(q, qAt + Tile, qLive, qDim + 48, rest);
            ka = LoadKeys(keys, kvBase + Tile, k0, keyEnd, rest, warp, laneKey, tx, dim);
            kb = LoadKeys(keys, kvBase + Tile, k0, keyEnd, rest, warp + 32, laneKey, tx, dim);
            kc = LoadKeys(keys, kvBase + Tile, k0, keyEnd, rest, warp + 64, laneKey, tx, dim);
            kd = LoadKeys(keys, kvBase + Tile, k0, keyEnd, rest, warp + 96, laneKey, tx, dim);
            Group.Barrier(); // chunk 0 of Q^T and K^T is no longer read
            StoreQuery(qt, qa, qb, qc, qd, qDim, qRow, p.ScaleLog2);
            StoreKeys(kp, ka, warp, laneKey, tx);
            StoreKeys(kp, kb, warp + 32, laneKey, tx);
            StoreKeys(kp, kc, warp + 64, laneKey, tx);
            StoreKeys(kp, kd, warp + 96, laneKey, tx);
            Group.Barrier();
            st = ScoreLoop(qt, kp, row0, tx, (rest + 7) & ~7, st);

            int firstKey = k0 + tx;
            var keyAdd = new AttentionRow8(
                KeyAdd(mask, p, b, firstKey, keyEnd), KeyAdd(mask, p, b, firstKey + 8, keyEnd),
                KeyAdd(mask, p, b, firstKey + 16, keyEnd), KeyAdd(mask, p, b, firstKey + 24, keyEnd),
                KeyAdd(mask, p, b, firstKey + 32, keyEnd), KeyAdd(mask, p, b, firstKey + 40, keyEnd),
                KeyAdd(mask, p, b, firstKey + 48, keyEnd), KeyAdd(mask, p, b, firstKey + 56, keyEnd));
            // Chunk 1 of V, loaded now so its latency hides behind the softmax and the first P V.
            va = LoadValues(values, kvBase + Tile, k0 + vKey, keyEnd, vDim, rest, dim);
            vb = LoadValues(values, kvBase + Tile, k0 + vKey + 16, keyEnd, vDim, rest, dim);
            vc = LoadValues(values, kvBase + Tile, k0 + vKey + 32, keyEnd, vDim, rest, dim);
            vd = LoadValues(values, kvBase + Tile, k0 + vKey + 48, keyEnd, vDim, rest, dim);

            Group.Barrier(); // K^T is no longer read: P^T may overwrite it
            int query = q0 + row0;
            var r0 = Step(Masked(st.R0, keyAdd, bias, p, b, h, query, firstKey), m0, l0);
            var r1 = Step(Masked(st.R1, keyAdd, bias, p, b, h, query + 1, firstKey), m1, l1);
            var r2 = Step(Masked(st.R2, keyAdd, bias, p, b, h, query + 2, firstKey), m2, l2);
            var r3 = Step(Masked(st.R3, keyAdd, bias, p, b, h, query + 3, firstKey), m3, l3);
            m0 = r0.Max; l0 = r0.Sum;
            m1 = r1.Max; l1 = r1.Sum;
            m2 = r2.Max; l2 = r2.Sum;
            m3 = r3.Max; l3 = r3.Sum;
            lo = Rescale(lo, r0.Alpha, r1.Alpha, r2.Alpha, r3.Alpha);
            hi = Rescale(hi, r0.Alpha, r1.Alpha, r2.Alpha, r3.Alpha);
            int pa = (tx << 6) + (row0 ^ (tx << 2));
            r0.P.Store(kp, pa, 512);
            r1.P.Store(kp, pa + 1, 512);
            r2.P.Store(kp, pa + 2, 512);
            r3.P.Store(kp, pa + 3, 512);
            Group.Barrier();

            int tileKeys = (XMath.Min(Tile, keyEnd - k0) + 7) & ~7;
            lo = OutputLoop(kp, vs, row0, tx, tileKeys, lo);
            Group.Barrier(); // chunk 0 of V is no longer read
            va.Store(vs, (vKey << 6) + vDim, 128);
            vb.Store(vs, ((vKey + 16) << 6) + vDim, 128);
            vc.Store(vs, ((vKey + 32) << 6) + vDim, 128);
            vd.Store(vs, ((vKey + 48) << 6) + vDim, 128);
            Group.Barrier();
            hi = OutputLoop(kp, vs, row0, tx, tileKeys, hi);
        }

        float s0 = RowSum(l0), s1 = RowSum(l1), s2 = RowSum(l2), s3 = RowSum(l3);
        if (p.KeySplits == 1)
        {
            Write(output, p, qBase, q0 + row0, tx, s0, lo.R0);
            Write(output, p, qBase, q0 + row0 + 1, tx, s1, lo.R1);
            Write(output, p, qBase, q0 + row0 + 2, tx, s2, lo.R2);
            Write(output, p, qBase, q0 + row0 + 3, tx, s3, lo.R3);
            Write(output, p, qBase, q0 + row0, tx, s0, hi.R0, Tile);
            Write(output, p, qBase, q0 + row0 + 1, tx, s1, hi.R1, Tile);
            Write(output, p, qBase, q0 + row0 + 2, tx, s2, hi.R2, Tile);
            Write(output, p, qBase, q0 + row0 + 3, tx, s3, hi.R3, Tile);
        }
        else
        {
            WritePartial(partial, p, work, bh, q0 + row0, tx, m0, s0, lo.R0);
            WritePartial(partial, p, work, bh, q0 + row0 + 1, tx, m1, s1, lo.R1);
            WritePartial(partial, p, work, bh, q0 + row0 + 2, tx, m2, s2, lo.R2);
            WritePartial(partial, p, work, bh, q0 + row0 + 3, tx, m3, s3, lo.R3);
            WritePartial(partial, p, work, bh, q0 + row0, tx, m0, s0, hi.R0, Tile);
            WritePartial(partial, p, work, bh, q0 + row0 + 1, tx, m1, s1, hi.R1, Tile);
            WritePartial(partial, p, work, bh, q0 + row0 + 2, tx, m2, s2, hi.R2, Tile);
            WritePartial(partial, p, work, bh, q0 + row0 + 3, tx, m3, s3, hi.R3, Tile);
        }
    }

    private static void StoreQuery(ArrayView<float> qt, AttentionRow8 qa, AttentionRow8 qb, AttentionRow8 qc, AttentionRow8 qd,
        int qDim, int qRow, float scale)
    {
        AttentionRow8.Scale(qa, scale).Store(qt, (qDim << 6) + qRow, 128);
        AttentionRow8.Scale(qb, scale).Store(qt, ((qDim + 16) << 6) + qRow, 128);
        AttentionRow8.Scale(qc, scale).Store(qt, ((qDim + 32) << 6) + qRow, 128);
        AttentionRow8.Scale(qd, scale).Store(qt, ((qDim + 48) << 6) + qRow, 128);
    }

    private static AttentionTile4x8 Rescale(AttentionTile4x8 o, float a0, float a1, float a2, float a3) => new(
        AttentionRow8.Scale(o.R0, a0), AttentionRow8.Scale(o.R1, a1), AttentionRow8.Scale(o.R2, a2), AttentionRow8.Scale(o.R3, a3));
}
