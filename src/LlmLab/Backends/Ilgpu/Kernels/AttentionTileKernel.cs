using System.Runtime.CompilerServices;
using ILGPU;
using ILGPU.Algorithms;

namespace LlmLab.Backends.Ilgpu.Kernels;

/// <summary>
/// Flash attention for head dims up to 64: one group of 128 threads owns 64 queries of one (batch, head) and walks
/// the keys 64 at a time. Per key tile: K^T and V go to shared memory (coalesced loads), each thread computes a 4 x 8
/// block of scores in registers (rows row0..row0+3, keys tx + 8j), the online softmax runs per row across the 8
/// lanes that share it (warp shuffles), P goes to shared memory (over K^T, no longer needed) and each thread adds
/// P V to its 4 x 8 block of the output (dims tx + 8j), kept in registers until the end. Tiles past the last
/// visible key (causal) are skipped; heavy (late) query tiles are launched first.
/// Shared memory: Q^T, K^T/P and V, 64 x 64 floats each (48 KiB, the static limit of a CUDA group).
/// </summary>
internal static class AttentionTileKernel
{
    public const int Tile = 64;
    public const int Threads = 128;
    public const int MaxDim = 64;

    public static void Run(ArrayView<float> q, ArrayView<float> keys, ArrayView<float> values, ArrayView<int> mask,
        ArrayView<float> bias, ArrayView<float> output, AttentionParams p)
    {
        var qt = SharedMemory.Allocate<float>(Tile * Tile); // Q^T [dim][query], pre-scaled into base 2
        var kp = SharedMemory.Allocate<float>(Tile * Tile); // K^T [dim][key ^ (dim & 7)], then P^T [key][query ^ 4(key & 7)]
        var vs = SharedMemory.Allocate<float>(Tile * Tile); // V [key][dim]

        int tid = Group.IdxX, lane = tid & 31, warp = tid >> 5, tx = lane & 7;
        int row0 = warp * 16 + (lane >> 3) * 4; // this thread's rows: row0 .. row0 + 3
        int heads = p.Batch * p.QueryHeads;
        int wave = Grid.IdxX / heads;
        int bh = Grid.IdxX - wave * heads;
        int qTile = p.QueryTiles - 1 - wave;
        int b = bh / p.QueryHeads, h = bh - b * p.QueryHeads;
        int dim = p.HeadDim, q0 = qTile * Tile;
        long qBase = (long)bh * p.QueryLength * dim;
        long kvBase = ((long)b * p.KvHeads + h / p.Group) * p.KeyRowsPerHead * dim;

        // Q^T: lanes take consecutive queries so the shared stores hit 32 banks (read once per group); eight loads
        // are issued before their stores so their latencies overlap (ILGPU does not unroll loops).
        int qRow = tid & 63, qDim = tid >> 6;
        long qAt = qBase + (long)(q0 + qRow) * dim;
        bool qLive = q0 + qRow < p.QueryLength;
        for (int d0 = qDim; d0 < Tile; d0 += 16)
        {
            var x = new AttentionRow8(
                QueryAt(q, qAt, qLive, d0, dim), QueryAt(q, qAt, qLive, d0 + 2, dim), QueryAt(q, qAt, qLive, d0 + 4, dim), QueryAt(q, qAt, qLive, d0 + 6, dim),
                QueryAt(q, qAt, qLive, d0 + 8, dim), QueryAt(q, qAt, qLive, d0 + 10, dim), QueryAt(q, qAt, qLive, d0 + 12, dim), QueryAt(q, qAt, qLive, d0 + 14, dim));
            AttentionRow8.Scale(x, p.ScaleLog2).Store(qt, (d0 << 6) + qRow, 128);
        }

        int lastQuery = XMath.Min(q0 + Tile, p.QueryLength) - 1;
        int keyEnd = p.Causal != 0 ? XMath.Min(p.TotalKeys, p.QueryOffset + lastQuery + 1) : p.TotalKeys;
        int keyTiles = keyEnd <= 0 ? 0 : (keyEnd + Tile - 1) / Tile;

        float m0 = float.NegativeInfinity, m1 = float.NegativeInfinity, m2 = float.NegativeInfinity, m3 = float.NegativeInfinity;
        float l0 = 0, l1 = 0, l2 = 0, l3 = 0; // this lane's share of each row's sum; lanes are added at the end
        var o0 = AttentionRow8.Zero;
        var o1 = AttentionRow8.Zero;
        var o2 = AttentionRow8.Zero;
        var o3 = AttentionRow8.Zero;

        for (int kt = 0; kt < keyTiles; kt++)
        {
            int k0 = kt * Tile;
            Group.Barrier(); // the previous tile's P and V are no longer read

            // K^T: a warp stores 8 dims x 4 keys (keys 8 apart); the swizzle key ^ (dim & 7) spreads them over 32
            // banks, and the score loop reads 8 keys tx + 8j of one dim at offsets (tx ^ (dim & 7)) + 8j.
            // Pass g of the 128 (a warp's share is g = warp + 4 it) covers keys cg + 8 (lane >> 3), dims dg + tx.
            int laneKey = (lane >> 3) << 3;
            for (int it0 = 0; it0 < Tile * Tile / Threads; it0 += 8)
            {
                var x = new AttentionRow8(
                    KeyAt(keys, kvBase, k0, keyEnd, dim, warp + 4 * it0, laneKey, tx), KeyAt(keys, kvBase, k0, keyEnd, dim, warp + 4 * (it0 + 1), laneKey, tx),
                    KeyAt(keys, kvBase, k0, keyEnd, dim, warp + 4 * (it0 + 2), laneKey, tx), KeyAt(keys, kvBase, k0, keyEnd, dim, warp + 4 * (it0 + 3), laneKey, tx),
                    KeyAt(keys, kvBase, k0, keyEnd, dim, warp + 4 * (it0 + 4), laneKey, tx), KeyAt(keys, kvBase, k0, keyEnd, dim, warp + 4 * (it0 + 5), laneKey, tx),
                    KeyAt(keys, kvBase, k0, keyEnd, dim, warp + 4 * (it0 + 6), laneKey, tx), KeyAt(keys, kvBase, k0, keyEnd, dim, warp + 4 * (it0 + 7), laneKey, tx));
                kp[KeySlot(warp + 4 * it0, laneKey, tx)] = x.X0;
                kp[KeySlot(warp + 4 * (it0 + 1), laneKey, tx)] = x.X1;
                kp[KeySlot(warp + 4 * (it0 + 2), laneKey, tx)] = x.X2;
                kp[KeySlot(warp + 4 * (it0 + 3), laneKey, tx)] = x.X3;
                kp[KeySlot(warp + 4 * (it0 + 4), laneKey, tx)] = x.X4;
                kp[KeySlot(warp + 4 * (it0 + 5), laneKey, tx)] = x.X5;
                kp[KeySlot(warp + 4 * (it0 + 6), laneKey, tx)] = x.X6;
                kp[KeySlot(warp + 4 * (it0 + 7), laneKey, tx)] = x.X7;
            }
            // V [key][dim]: lanes take consecutive dims (coalesced loads, conflict-free stores); thread tid holds
            // dim tid & 63 of keys (tid >> 6) + 2i.
            int vDim = tid & 63, vKey = tid >> 6;
            for (int c0 = vKey; c0 < Tile; c0 += 16)
            {
                var x = new AttentionRow8(
                    ValueAt(values, kvBase, k0 + c0, keyEnd, vDim, dim), ValueAt(values, kvBase, k0 + c0 + 2, keyEnd, vDim, dim),
                    ValueAt(values, kvBase, k0 + c0 + 4, keyEnd, vDim, dim), ValueAt(values, kvBase, k0 + c0 + 6, keyEnd, vDim, dim),
                    ValueAt(values, kvBase, k0 + c0 + 8, keyEnd, vDim, dim), ValueAt(values, kvBase, k0 + c0 + 10, keyEnd, vDim, dim),
                    ValueAt(values, kvBase, k0 + c0 + 12, keyEnd, vDim, dim), ValueAt(values, kvBase, k0 + c0 + 14, keyEnd, vDim, dim));
                x.Store(vs, (c0 << 6) + vDim, 128);
            }
            Group.Barrier();

            // Scores: 4 rows x 8 keys per thread, a dot product over dims.
            var s0 = AttentionRow8.Zero;
            var s1 = AttentionRow8.Zero;
            var s2 = AttentionRow8.Zero;
            var s3 = AttentionRow8.Zero;
            for (int d = 0; d < dim; d++)
            {
                int qa = (d << 6) + row0;
                var k = AttentionRow8.Load(kp, (d << 6) + (tx ^ (d & 7)), 8);
                s0 = AttentionRow8.MulAdd(qt[qa], k, s0);
                s1 = AttentionRow8.MulAdd(qt[qa + 1], k, s1);
                s2 = AttentionRow8.MulAdd(qt[qa + 2], k, s2);
                s3 = AttentionRow8.MulAdd(qt[qa + 3], k, s3);
            }

            // Keys that exist and are not padding: 0, else -infinity (the same for all four rows).
            int firstKey = k0 + tx;
            var keyAdd = new AttentionRow8(
                KeyAdd(mask, p, b, firstKey, keyEnd), KeyAdd(mask, p, b, firstKey + 8, keyEnd),
                KeyAdd(mask, p, b, firstKey + 16, keyEnd), KeyAdd(mask, p, b, firstKey + 24, keyEnd),
                KeyAdd(mask, p, b, firstKey + 32, keyEnd), KeyAdd(mask, p, b, firstKey + 40, keyEnd),
                KeyAdd(mask, p, b, firstKey + 48, keyEnd), KeyAdd(mask, p, b, firstKey + 56, keyEnd));
            Group.Barrier(); // every thread is done with K^T: P^T may overwrite it
            int query = q0 + row0;
            var r0 = Step(Masked(s0, keyAdd, bias, p, b, h, query, firstKey), m0, l0, o0);
            var r1 = Step(Masked(s1, keyAdd, bias, p, b, h, query + 1, firstKey), m1, l1, o1);
            var r2 = Step(Masked(s2, keyAdd, bias, p, b, h, query + 2, firstKey), m2, l2, o2);
            var r3 = Step(Masked(s3, keyAdd, bias, p, b, h, query + 3, firstKey), m3, l3, o3);
            m0 = r0.Max; l0 = r0.Sum; o0 = r0.Out;
            m1 = r1.Max; l1 = r1.Sum; o1 = r1.Out;
            m2 = r2.Max; l2 = r2.Sum; o2 = r2.Out;
            m3 = r3.Max; l3 = r3.Sum; o3 = r3.Out;

            // P^T [key][query ^ 4(key & 7)]: for key tx + 8j the swizzle is 4 tx, so this thread's four rows stay
            // consecutive (row0 ^ 4 tx) + i, and the reads below (one key, four rows per lane group) hit 4 banks.
            int pa = (tx << 6) + (row0 ^ (tx << 2));
            r0.P.Store(kp, pa, 512);
            r1.P.Store(kp, pa + 1, 512);
            r2.P.Store(kp, pa + 2, 512);
            r3.P.Store(kp, pa + 3, 512);
            Group.Barrier();

            // O += P V over the keys this tile can show.
            int tileKeys = XMath.Min(Tile, keyEnd - k0);
            for (int c = 0; c < tileKeys; c++)
            {
                int at = (c << 6) + (row0 ^ ((c & 7) << 2));
                var v = AttentionRow8.Load(vs, (c << 6) + tx, 8);
                o0 = AttentionRow8.MulAdd(kp[at], v, o0);
                o1 = AttentionRow8.MulAdd(kp[at + 1], v, o1);
                o2 = AttentionRow8.MulAdd(kp[at + 2], v, o2);
                o3 = AttentionRow8.MulAdd(kp[at + 3], v, o3);
            }
        }

        Write(output, p, qBase, q0 + row0, tx, RowSum(l0), o0);
        Write(output, p, qBase, q0 + row0 + 1, tx, RowSum(l1), o1);
        Write(output, p, qBase, q0 + row0 + 2, tx, RowSum(l2), o2);
        Write(output, p, qBase, q0 + row0 + 3, tx, RowSum(l3), o3);
    }

    /// <summary>One row's state after a key tile, and the tile's probabilities.</summary>
    private readonly struct RowStep(float max, float sum, AttentionRow8 output, AttentionRow8 probabilities)
    {
        public readonly float Max = max, Sum = sum;
        public readonly AttentionRow8 Out = output, P = probabilities;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float QueryAt(ArrayView<float> q, long row, bool live, int d, int dim) => live && d < dim ? q[row + d] : 0f;

    /// <summary>Key (cg + laneKey), dim (dg + tx) of K-load pass g: cg = g's low 3 bits, plus 32 if bit 3; dg = 8 (g >> 4).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float KeyAt(ArrayView<float> keys, long kvBase, int k0, int keyEnd, int dim, int g, int laneKey, int tx)
    {
        int key = k0 + ((g & 7) | ((g & 8) << 2)) + laneKey, d = ((g >> 4) << 3) | tx;
        return key < keyEnd && d < dim ? keys[kvBase + (long)key * dim + d] : 0f;
    }

    /// <summary>Where pass g's element goes in K^T: [dim][key ^ (dim &amp; 7)].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int KeySlot(int g, int laneKey, int tx)
    {
        int c = ((g & 7) | ((g & 8) << 2)) + laneKey, d = ((g >> 4) << 3) | tx;
        return (d << 6) + (c ^ (d & 7));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float ValueAt(ArrayView<float> values, long kvBase, int key, int keyEnd, int d, int dim) =>
        key < keyEnd && d < dim ? values[kvBase + (long)key * dim + d] : 0f;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float KeyAdd(ArrayView<int> mask, AttentionParams p, int b, int key, int keyEnd) =>
        key < keyEnd && (p.HasMask == 0 || mask[(long)b * p.TotalKeys + key] != 0) ? 0f : float.NegativeInfinity;

    /// <summary>Scores of query <paramref name="query"/> plus bias (base 2), -infinity where the key is missing, padding, or in the future.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static AttentionRow8 Masked(AttentionRow8 s, AttentionRow8 keyAdd, ArrayView<float> bias, AttentionParams p,
        int b, int h, int query, int firstKey)
    {
        if (p.HasBias != 0 && query < p.QueryLength)
        {
            long row = p.BiasBase(b, h) + (long)query * p.TotalKeys;
            s = AttentionRow8.Add(s, new AttentionRow8(
                BiasAt(bias, p, row, firstKey), BiasAt(bias, p, row, firstKey + 8),
                BiasAt(bias, p, row, firstKey + 16), BiasAt(bias, p, row, firstKey + 24),
                BiasAt(bias, p, row, firstKey + 32), BiasAt(bias, p, row, firstKey + 40),
                BiasAt(bias, p, row, firstKey + 48), BiasAt(bias, p, row, firstKey + 56)));
        }
        int lastVisible = p.Causal != 0 ? p.QueryOffset + query : int.MaxValue;
        return AttentionRow8.Causal(AttentionRow8.Add(s, keyAdd), firstKey, lastVisible);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float BiasAt(ArrayView<float> bias, AttentionParams p, long row, int key) =>
        key < p.TotalKeys ? bias[row + key] * AttentionParams.Log2E : 0f;

    /// <summary>
    /// The online softmax step of one row: the tile's max over the 8 lanes sharing the row, the new running max,
    /// the rescale 2^(m_old - m_new) of the sum and the output, and p = 2^(s - m_new). A row that has seen no key
    /// keeps m = -infinity and gets p = 0 (m is taken as 0 there, so no -inf - -inf).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static RowStep Step(AttentionRow8 s, float max, float sum, AttentionRow8 o)
    {
        float tileMax = AttentionRow8.Max(s);
        tileMax = XMath.Max(tileMax, Warp.ShuffleXor(tileMax, 1));
        tileMax = XMath.Max(tileMax, Warp.ShuffleXor(tileMax, 2));
        tileMax = XMath.Max(tileMax, Warp.ShuffleXor(tileMax, 4));
        float newMax = XMath.Max(max, tileMax);
        float m = newMax == float.NegativeInfinity ? 0f : newMax;
        float alpha = XMath.Exp2(max - m);
        var probabilities = AttentionRow8.Exp2Minus(s, m);
        return new RowStep(newMax, sum * alpha + AttentionRow8.Sum(probabilities), AttentionRow8.Scale(o, alpha), probabilities);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float RowSum(float partial)
    {
        partial += Warp.ShuffleXor(partial, 1);
        partial += Warp.ShuffleXor(partial, 2);
        return partial + Warp.ShuffleXor(partial, 4);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Write(ArrayView<float> output, AttentionParams p, long qBase, int row, int tx, float sum, AttentionRow8 o)
    {
        if (row >= p.QueryLength) return;
        float inverse = sum > 0 ? 1f / sum : 0f; // a row that saw no key gives zeros
        long at = qBase + (long)row * p.HeadDim;
        int dim = p.HeadDim;
        if (tx < dim) output[at + tx] = o.X0 * inverse;
        if (tx + 8 < dim) output[at + tx + 8] = o.X1 * inverse;
        if (tx + 16 < dim) output[at + tx + 16] = o.X2 * inverse;
        if (tx + 24 < dim) output[at + tx + 24] = o.X3 * inverse;
        if (tx + 32 < dim) output[at + tx + 32] = o.X4 * inverse;
        if (tx + 40 < dim) output[at + tx + 40] = o.X5 * inverse;
        if (tx + 48 < dim) output[at + tx + 48] = o.X6 * inverse;
        if (tx + 56 < dim) output[at + tx + 56] = o.X7 * inverse;
    }
}
