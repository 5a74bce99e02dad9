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
/// visible key (causal) are skipped; heavy (late) query tiles are launched first. When there are too few query
/// tiles to fill the GPU (decode), the key tiles of each are split among several groups (flash-decoding) and
/// <see cref="AttentionCombineKernel"/> merges their partial results.
/// Shared memory: Q^T, K^T/P and V, 64 x 64 floats each (48 KiB, the static limit of a CUDA group).
/// </summary>
internal static class AttentionTileKernel
{
    public const int Tile = 64;
    public const int Threads = 128;
    public const int MaxDim = 64;

    /// <summary>
    /// q [B, Hq, Tq, D]; keys and values the rows of the kv heads (KeyRowsPerHead apart); mask i32 [B, keys] and
    /// bias read only when p says so; output [B, Hq, Tq, D]. With <see cref="AttentionParams.KeySplits"/> &gt; 1 the
    /// kernel writes partial instead: [split][row][dim + 2] (unnormalised O, then m and l in base 2), which
    /// <see cref="AttentionCombineKernel"/> merges into the output.
    /// </summary>
    public static void Run(ArrayView<float> q, ArrayView<float> keys, ArrayView<float> values, ArrayView<int> mask,
        ArrayView<float> bias, ArrayView<float> output, ArrayView<float> partial, AttentionParams p)
    {
        var qt = SharedMemory.Allocate<float>(Tile * Tile); // Q^T [dim][query], pre-scaled into base 2
        var kp = SharedMemory.Allocate<float>(Tile * Tile); // K^T [dim][key ^ (dim & 7)], then P^T [key][query ^ 4(key & 7)]
        var vs = SharedMemory.Allocate<float>(Tile * Tile); // V [key][dim]

        int tid = Group.IdxX, lane = tid & 31, warp = tid >> 5, tx = lane & 7;
        int row0 = warp * 16 + (lane >> 3) * 4; // this thread's rows: row0 .. row0 + 3
        var work = TileWork.Of(p);
        int bh = work.Head, b = bh / p.QueryHeads, h = bh - b * p.QueryHeads;
        int dim = p.HeadDim, q0 = work.QueryTile * Tile;
        long qBase = (long)bh * p.QueryLength * dim;
        long kvBase = ((long)b * p.KvHeads + h / p.Group) * p.KeyRowsPerHead * dim;

        // Q^T: lanes take consecutive queries so the shared stores hit 32 banks (read once per group); thread tid
        // holds query tid & 63, dims (tid >> 6) + 2i, all 32 loads issued before the stores.
        int qRow = tid & 63, qDim = tid >> 6;
        long qAt = qBase + (long)(q0 + qRow) * dim;
        bool qLive = q0 + qRow < p.QueryLength;
        var qa = LoadQuery(q, qAt, qLive, qDim, dim);
        var qb = LoadQuery(q, qAt, qLive, qDim + 16, dim);
        var qc = LoadQuery(q, qAt, qLive, qDim + 32, dim);
        var qd = LoadQuery(q, qAt, qLive, qDim + 48, dim);
        AttentionRow8.Scale(qa, p.ScaleLog2).Store(qt, (qDim << 6) + qRow, 128);
        AttentionRow8.Scale(qb, p.ScaleLog2).Store(qt, ((qDim + 16) << 6) + qRow, 128);
        AttentionRow8.Scale(qc, p.ScaleLog2).Store(qt, ((qDim + 32) << 6) + qRow, 128);
        AttentionRow8.Scale(qd, p.ScaleLog2).Store(qt, ((qDim + 48) << 6) + qRow, 128);

        int laneKey = (lane >> 3) << 3, vDim = tid & 63, vKey = tid >> 6;
        int dimPadded = (dim + 7) & ~7; // Q^T and K^T are zero past the head dim

        int lastQuery = XMath.Min(q0 + Tile, p.QueryLength) - 1;
        int keyEnd = p.Causal != 0 ? XMath.Min(p.TotalKeys, p.QueryOffset + lastQuery + 1) : p.TotalKeys;
        int firstTile = work.FirstKeyTile(p), keyTiles = work.EndKeyTile(p, keyEnd);

        float m0 = float.NegativeInfinity, m1 = float.NegativeInfinity, m2 = float.NegativeInfinity, m3 = float.NegativeInfinity;
        float l0 = 0, l1 = 0, l2 = 0, l3 = 0; // this lane's share of each row's sum; lanes are added at the end
        var o0 = AttentionRow8.Zero;
        var o1 = AttentionRow8.Zero;
        var o2 = AttentionRow8.Zero;
        var o3 = AttentionRow8.Zero;

        // K^T: a warp stores 8 dims x 4 keys (keys 8 apart); the swizzle key ^ (dim & 7) spreads them over 32
        // banks, and the score loop reads 8 keys tx + 8j of one dim at offsets (tx ^ (dim & 7)) + 8j.
        // Pass g of the 128 (a warp's share is g = warp + 4 it) covers keys cg + 8 (lane >> 3), dims dg + tx.
        // V [key][dim]: lanes take consecutive dims (coalesced loads, conflict-free stores); thread tid holds
        // dim tid & 63 of keys (tid >> 6) + 2i. All 64 loads are issued before any store, so a tile costs one
        // memory latency (ILGPU does not unroll loops, so this is spelled out). Past keyEnd nothing is read.
        for (int kt = firstTile; kt < keyTiles; kt++)
        {
            int k0 = kt * Tile;
            var ka = LoadKeys(keys, kvBase, k0, keyEnd, dim, warp, laneKey, tx, dim);
            var kb = LoadKeys(keys, kvBase, k0, keyEnd, dim, warp + 32, laneKey, tx, dim);
            var kc = LoadKeys(keys, kvBase, k0, keyEnd, dim, warp + 64, laneKey, tx, dim);
            var kd = LoadKeys(keys, kvBase, k0, keyEnd, dim, warp + 96, laneKey, tx, dim);
            var va = LoadValues(values, kvBase, k0 + vKey, keyEnd, vDim, dim, dim);
            var vb = LoadValues(values, kvBase, k0 + vKey + 16, keyEnd, vDim, dim, dim);
            var vc = LoadValues(values, kvBase, k0 + vKey + 32, keyEnd, vDim, dim, dim);
            var vd = LoadValues(values, kvBase, k0 + vKey + 48, keyEnd, vDim, dim, dim);
            Group.Barrier(); // the previous tile's P and V are no longer read (the loads above overlap its end)
            StoreKeys(kp, ka, warp, laneKey, tx);
            StoreKeys(kp, kb, warp + 32, laneKey, tx);
            StoreKeys(kp, kc, warp + 64, laneKey, tx);
            StoreKeys(kp, kd, warp + 96, laneKey, tx);
            va.Store(vs, (vKey << 6) + vDim, 128);
            vb.Store(vs, ((vKey + 16) << 6) + vDim, 128);
            vc.Store(vs, ((vKey + 32) << 6) + vDim, 128);
            vd.Store(vs, ((vKey + 48) << 6) + vDim, 128);
            Group.Barrier();

            // Scores: 4 rows x 8 keys per thread, a dot product over dims.
            var st = ScoreLoop(qt, kp, row0, tx, dimPadded, AttentionTile4x8.Zero);

            // Keys that exist and are not padding: 0, else -infinity (the same for all four rows).
            int firstKey = k0 + tx;
            var keyAdd = new AttentionRow8(
                KeyAdd(mask, p, b, firstKey, keyEnd), KeyAdd(mask, p, b, firstKey + 8, keyEnd),
                KeyAdd(mask, p, b, firstKey + 16, keyEnd), KeyAdd(mask, p, b, firstKey + 24, keyEnd),
                KeyAdd(mask, p, b, firstKey + 32, keyEnd), KeyAdd(mask, p, b, firstKey + 40, keyEnd),
                KeyAdd(mask, p, b, firstKey + 48, keyEnd), KeyAdd(mask, p, b, firstKey + 56, keyEnd));
            Group.Barrier(); // every thread is done with K^T: P^T may overwrite it
            int query = q0 + row0;
            var r0 = Step(Masked(st.R0, keyAdd, bias, p, b, h, query, firstKey), m0, l0);
            var r1 = Step(Masked(st.R1, keyAdd, bias, p, b, h, query + 1, firstKey), m1, l1);
            var r2 = Step(Masked(st.R2, keyAdd, bias, p, b, h, query + 2, firstKey), m2, l2);
            var r3 = Step(Masked(st.R3, keyAdd, bias, p, b, h, query + 3, firstKey), m3, l3);
            m0 = r0.Max; l0 = r0.Sum; o0 = AttentionRow8.Scale(o0, r0.Alpha);
            m1 = r1.Max; l1 = r1.Sum; o1 = AttentionRow8.Scale(o1, r1.Alpha);
            m2 = r2.Max; l2 = r2.Sum; o2 = AttentionRow8.Scale(o2, r2.Alpha);
            m3 = r3.Max; l3 = r3.Sum; o3 = AttentionRow8.Scale(o3, r3.Alpha);

            // P^T [key][query ^ 4(key & 7)]: for key tx + 8j the swizzle is 4 tx, so this thread's four rows stay
            // consecutive (row0 ^ 4 tx) + i, and the reads below (one key, four rows per lane group) hit 4 banks.
            int pa = (tx << 6) + (row0 ^ (tx << 2));
            r0.P.Store(kp, pa, 512);
            r1.P.Store(kp, pa + 1, 512);
            r2.P.Store(kp, pa + 2, 512);
            r3.P.Store(kp, pa + 3, 512);
            Group.Barrier();

            // O += P V over the keys this tile can show (rounded up to 8: past them p = 0 and v = 0).
            var ot = OutputLoop(kp, vs, row0, tx, (XMath.Min(Tile, keyEnd - k0) + 7) & ~7, new AttentionTile4x8(o0, o1, o2, o3));
            o0 = ot.R0;
            o1 = ot.R1;
            o2 = ot.R2;
            o3 = ot.R3;
        }

        float s0 = RowSum(l0), s1 = RowSum(l1), s2 = RowSum(l2), s3 = RowSum(l3);
        if (p.KeySplits == 1)
        {
            Write(output, p, qBase, q0 + row0, tx, s0, o0);
            Write(output, p, qBase, q0 + row0 + 1, tx, s1, o1);
            Write(output, p, qBase, q0 + row0 + 2, tx, s2, o2);
            Write(output, p, qBase, q0 + row0 + 3, tx, s3, o3);
        }
        else
        {
            WritePartial(partial, p, work, bh, q0 + row0, tx, m0, s0, o0);
            WritePartial(partial, p, work, bh, q0 + row0 + 1, tx, m1, s1, o1);
            WritePartial(partial, p, work, bh, q0 + row0 + 2, tx, m2, s2, o2);
            WritePartial(partial, p, work, bh, q0 + row0 + 3, tx, m3, s3, o3);
        }
    }

    /// <summary>
    /// What a group does: (batch * heads + head, query tile, key split) from its index. The key split is the
    /// slowest index and late query tiles come first, so the heavy causal tiles are launched first.
    /// </summary>
    internal readonly struct TileWork(int head, int queryTile, int split)
    {
        public readonly int Head = head, QueryTile = queryTile, Split = split;

        public static TileWork Of(AttentionParams p)
        {
            int heads = p.Batch * p.QueryHeads, perSplit = heads * p.QueryTiles;
            int split = Grid.IdxX / perSplit, rest = Grid.IdxX - split * perSplit;
            int wave = rest / heads;
            return new TileWork(rest - wave * heads, p.QueryTiles - 1 - wave, split);
        }

        public int FirstKeyTile(AttentionParams p) => p.KeySplits == 1 ? 0 : Split * p.TilesPerSplit;

        /// <summary>One past the last key tile: all tiles up to keyEnd, or this split's share of them.</summary>
        public int EndKeyTile(AttentionParams p, int keyEnd)
        {
            int tiles = keyEnd <= 0 ? 0 : (keyEnd + Tile - 1) / Tile;
            return p.KeySplits == 1 ? tiles : XMath.Min(tiles, (Split + 1) * p.TilesPerSplit);
        }
    }

    /// <summary>One row's unnormalised output over this split's keys, with its max and sum (base 2).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void WritePartial(ArrayView<float> partial, AttentionParams p, TileWork work, int bh, int row, int tx,
        float max, float sum, AttentionRow8 o, int dimOffset = 0)
    {
        if (row >= p.QueryLength) return;
        long rows = (long)p.Batch * p.QueryHeads * p.QueryLength;
        long at = ((work.Split * rows) + (long)bh * p.QueryLength + row) * (p.HeadDim + 2);
        int dim = p.HeadDim - dimOffset;
        if (dimOffset == 0 && tx == 0)
        {
            partial[at + p.HeadDim] = max;
            partial[at + p.HeadDim + 1] = sum;
        }
        at += dimOffset;
        if (tx < dim) partial[at + tx] = o.X0;
        if (tx + 8 < dim) partial[at + tx + 8] = o.X1;
        if (tx + 16 < dim) partial[at + tx + 16] = o.X2;
        if (tx + 24 < dim) partial[at + tx + 24] = o.X3;
        if (tx + 32 < dim) partial[at + tx + 32] = o.X4;
        if (tx + 40 < dim) partial[at + tx + 40] = o.X5;
        if (tx + 48 < dim) partial[at + tx + 48] = o.X6;
        if (tx + 56 < dim) partial[at + tx + 56] = o.X7;
    }

    /// <summary>One row's state after a key tile, and the tile's probabilities.</summary>
    internal readonly struct RowStep(float max, float sum, float alpha, AttentionRow8 probabilities)
    {
        public readonly float Max = max, Sum = sum, Alpha = alpha;
        public readonly AttentionRow8 P = probabilities;
    }

    /// <summary>Four rows of eight: a thread's block of scores or of the output.</summary>
    internal readonly struct AttentionTile4x8(AttentionRow8 r0, AttentionRow8 r1, AttentionRow8 r2, AttentionRow8 r3)
    {
        public readonly AttentionRow8 R0 = r0, R1 = r1, R2 = r2, R3 = r3;

        public static AttentionTile4x8 Zero => new(AttentionRow8.Zero, AttentionRow8.Zero, AttentionRow8.Zero, AttentionRow8.Zero);
    }

    /// <summary>
    /// s += Q K^T over dims [0, dims) (a multiple of 8) for rows row0..row0+3 and keys tx + 8j, unrolled by 8 so
    /// the swizzle tx ^ (dim &amp; 7) is a constant per step.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static AttentionTile4x8 ScoreLoop(ArrayView<float> qt, ArrayView<float> kp, int row0, int tx, int dims, AttentionTile4x8 st)
    {
        for (int d = 0; d < dims; d += 8)
        {
            int at = d << 6;
            st = ScoreStep(qt, kp, at + row0, at + tx, st);
            st = ScoreStep(qt, kp, at + 64 + row0, at + 64 + (tx ^ 1), st);
            st = ScoreStep(qt, kp, at + 128 + row0, at + 128 + (tx ^ 2), st);
            st = ScoreStep(qt, kp, at + 192 + row0, at + 192 + (tx ^ 3), st);
            st = ScoreStep(qt, kp, at + 256 + row0, at + 256 + (tx ^ 4), st);
            st = ScoreStep(qt, kp, at + 320 + row0, at + 320 + (tx ^ 5), st);
            st = ScoreStep(qt, kp, at + 384 + row0, at + 384 + (tx ^ 6), st);
            st = ScoreStep(qt, kp, at + 448 + row0, at + 448 + (tx ^ 7), st);
        }
        return st;
    }

    /// <summary>
    /// o += P V over keys [0, keys) (a multiple of 8) for rows row0..row0+3 and dims tx + 8j, unrolled by 8 so the
    /// P^T swizzle row0 ^ 4(key &amp; 7) is a constant per step.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static AttentionTile4x8 OutputLoop(ArrayView<float> pt, ArrayView<float> vs, int row0, int tx, int keys, AttentionTile4x8 ot)
    {
        for (int c = 0; c < keys; c += 8)
        {
            int at = c << 6;
            ot = OutputStep(pt, vs, at + row0, at + tx, ot);
            ot = OutputStep(pt, vs, at + 64 + (row0 ^ 4), at + 64 + tx, ot);
            ot = OutputStep(pt, vs, at + 128 + (row0 ^ 8), at + 128 + tx, ot);
            ot = OutputStep(pt, vs, at + 192 + (row0 ^ 12), at + 192 + tx, ot);
            ot = OutputStep(pt, vs, at + 256 + (row0 ^ 16), at + 256 + tx, ot);
            ot = OutputStep(pt, vs, at + 320 + (row0 ^ 20), at + 320 + tx, ot);
            ot = OutputStep(pt, vs, at + 384 + (row0 ^ 24), at + 384 + tx, ot);
            ot = OutputStep(pt, vs, at + 448 + (row0 ^ 28), at + 448 + tx, ot);
        }
        return ot;
    }

    /// <summary>One dim of the scores: rows q[qa + i] times keys k[ka + 8j].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static AttentionTile4x8 ScoreStep(ArrayView<float> qt, ArrayView<float> kp, int qa, int ka, AttentionTile4x8 s)
    {
        var k = AttentionRow8.Load(kp, ka, 8);
        return new AttentionTile4x8(
            AttentionRow8.MulAdd(qt[qa], k, s.R0), AttentionRow8.MulAdd(qt[qa + 1], k, s.R1),
            AttentionRow8.MulAdd(qt[qa + 2], k, s.R2), AttentionRow8.MulAdd(qt[qa + 3], k, s.R3));
    }

    /// <summary>One key of the output: rows p[pa + i] times dims v[va + 8j].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static AttentionTile4x8 OutputStep(ArrayView<float> pt, ArrayView<float> vs, int pa, int va, AttentionTile4x8 o)
    {
        var v = AttentionRow8.Load(vs, va, 8);
        return new AttentionTile4x8(
            AttentionRow8.MulAdd(pt[pa], v, o.R0), AttentionRow8.MulAdd(pt[pa + 1], v, o.R1),
            AttentionRow8.MulAdd(pt[pa + 2], v, o.R2), AttentionRow8.MulAdd(pt[pa + 3], v, o.R3));
    }

    /// <summary>K-load passes g, g + 4, ..., g + 28 (eight of a thread's 32 elements).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static AttentionRow8 LoadKeys(ArrayView<float> keys, long kvBase, int k0, int keyEnd, int dim, int g, int laneKey, int tx, int rowLength) => new(
        KeyAt(keys, kvBase, k0, keyEnd, dim, g, laneKey, tx, rowLength), KeyAt(keys, kvBase, k0, keyEnd, dim, g + 4, laneKey, tx, rowLength),
        KeyAt(keys, kvBase, k0, keyEnd, dim, g + 8, laneKey, tx, rowLength), KeyAt(keys, kvBase, k0, keyEnd, dim, g + 12, laneKey, tx, rowLength),
        KeyAt(keys, kvBase, k0, keyEnd, dim, g + 16, laneKey, tx, rowLength), KeyAt(keys, kvBase, k0, keyEnd, dim, g + 20, laneKey, tx, rowLength),
        KeyAt(keys, kvBase, k0, keyEnd, dim, g + 24, laneKey, tx, rowLength), KeyAt(keys, kvBase, k0, keyEnd, dim, g + 28, laneKey, tx, rowLength));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void StoreKeys(ArrayView<float> kp, AttentionRow8 x, int g, int laneKey, int tx)
    {
        kp[KeySlot(g, laneKey, tx)] = x.X0;
        kp[KeySlot(g + 4, laneKey, tx)] = x.X1;
        kp[KeySlot(g + 8, laneKey, tx)] = x.X2;
        kp[KeySlot(g + 12, laneKey, tx)] = x.X3;
        kp[KeySlot(g + 16, laneKey, tx)] = x.X4;
        kp[KeySlot(g + 20, laneKey, tx)] = x.X5;
        kp[KeySlot(g + 24, laneKey, tx)] = x.X6;
        kp[KeySlot(g + 28, laneKey, tx)] = x.X7;
    }

    /// <summary>Dim d of keys key, key + 2, ..., key + 14.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static AttentionRow8 LoadValues(ArrayView<float> values, long kvBase, int key, int keyEnd, int d, int dim, int rowLength) => new(
        ValueAt(values, kvBase, key, keyEnd, d, dim, rowLength), ValueAt(values, kvBase, key + 2, keyEnd, d, dim, rowLength),
        ValueAt(values, kvBase, key + 4, keyEnd, d, dim, rowLength), ValueAt(values, kvBase, key + 6, keyEnd, d, dim, rowLength),
        ValueAt(values, kvBase, key + 8, keyEnd, d, dim, rowLength), ValueAt(values, kvBase, key + 10, keyEnd, d, dim, rowLength),
        ValueAt(values, kvBase, key + 12, keyEnd, d, dim, rowLength), ValueAt(values, kvBase, key + 14, keyEnd, d, dim, rowLength));

    /// <summary>Dims d, d + 2, ..., d + 14 of one query row (0 past the head dim or the last query).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static AttentionRow8 LoadQuery(ArrayView<float> q, long row, bool live, int d, int dim) => new(
        QueryAt(q, row, live, d, dim), QueryAt(q, row, live, d + 2, dim), QueryAt(q, row, live, d + 4, dim), QueryAt(q, row, live, d + 6, dim),
        QueryAt(q, row, live, d + 8, dim), QueryAt(q, row, live, d + 10, dim), QueryAt(q, row, live, d + 12, dim), QueryAt(q, row, live, d + 14, dim));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float QueryAt(ArrayView<float> q, long row, bool live, int d, int dim) => live && d < dim ? q[row + d] : 0f;

    /// <summary>
    /// Key (cg + laneKey), dim (dg + tx) of K-load pass g: cg = g's low 3 bits, plus 32 if bit 3; dg = 8 (g >> 4).
    /// kvBase may point at a later dim (a 64-dim chunk); <paramref name="dim"/> is then what is left of the row.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float KeyAt(ArrayView<float> keys, long kvBase, int k0, int keyEnd, int dim, int g, int laneKey, int tx, int rowLength)
    {
        int key = k0 + ((g & 7) | ((g & 8) << 2)) + laneKey, d = ((g >> 4) << 3) | tx;
        return key < keyEnd && d < dim ? keys[kvBase + (long)key * rowLength + d] : 0f;
    }

    /// <summary>Where pass g's element goes in K^T: [dim][key ^ (dim &amp; 7)].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int KeySlot(int g, int laneKey, int tx)
    {
        int c = ((g & 7) | ((g & 8) << 2)) + laneKey, d = ((g >> 4) << 3) | tx;
        return (d << 6) + (c ^ (d & 7));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float ValueAt(ArrayView<float> values, long kvBase, int key, int keyEnd, int d, int dim, int rowLength) =>
        key < keyEnd && d < dim ? values[kvBase + (long)key * rowLength + d] : 0f;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static float KeyAdd(ArrayView<int> mask, AttentionParams p, int b, int key, int keyEnd) =>
        key < keyEnd && (p.HasMask == 0 || mask[(long)b * p.TotalKeys + key] != 0) ? 0f : float.NegativeInfinity;

    /// <summary>Scores of query <paramref name="query"/> plus bias (base 2), -infinity where the key is missing, padding, or in the future.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static AttentionRow8 Masked(AttentionRow8 s, AttentionRow8 keyAdd, ArrayView<float> bias, AttentionParams p,
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
    /// the rescale alpha = 2^(m_old - m_new) of the sum (the caller rescales the output), and p = 2^(s - m_new). A row that has seen no key
    /// keeps m = -infinity and gets p = 0 (m is taken as 0 there, so no -inf - -inf).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static RowStep Step(AttentionRow8 s, float max, float sum)
    {
        float tileMax = AttentionRow8.Max(s);
        tileMax = XMath.Max(tileMax, Warp.ShuffleXor(tileMax, 1));
        tileMax = XMath.Max(tileMax, Warp.ShuffleXor(tileMax, 2));
        tileMax = XMath.Max(tileMax, Warp.ShuffleXor(tileMax, 4));
        float newMax = XMath.Max(max, tileMax);
        float m = newMax == float.NegativeInfinity ? 0f : newMax;
        float alpha = XMath.Exp2(max - m);
        var probabilities = AttentionRow8.Exp2Minus(s, m);
        return new RowStep(newMax, sum * alpha + AttentionRow8.Sum(probabilities), alpha, probabilities);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static float RowSum(float partial)
    {
        partial += Warp.ShuffleXor(partial, 1);
        partial += Warp.ShuffleXor(partial, 2);
        return partial + Warp.ShuffleXor(partial, 4);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Write(ArrayView<float> output, AttentionParams p, long qBase, int row, int tx, float sum, AttentionRow8 o, int dimOffset = 0)
    {
        if (row >= p.QueryLength) return;
        float inverse = sum > 0 ? 1f / sum : 0f; // a row that saw no key gives zeros
        long at = qBase + (long)row * p.HeadDim + dimOffset;
        int dim = p.HeadDim - dimOffset;
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
