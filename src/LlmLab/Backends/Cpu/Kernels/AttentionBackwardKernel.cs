using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace LlmLab.Backends.Cpu.Kernels;

/// <summary>
/// Attention backward, flash-attention-2 style: scores are recomputed 64 keys at a time from packed K^T and V^T
/// panels (<see cref="AttentionKernel.Pack"/>), and per block P = e^(s scale + bias - L), dP = dO V^T,
/// dS = P (dP - D) with L the row's logsumexp and D = rowsum(dO * O). Two passes, so no two threads ever add into
/// one gradient: the query pass (items: batch, query head, 16 queries) finds L and D of its rows and then
/// dQ = scale dS K; the key pass (items: batch, kv head, 64 keys) walks the query heads of its group in order and
/// their queries 64 at a time, adding dV += P^T dO and dK += scale dS^T Q. No [Tq, Tk] matrix exists beyond a
/// block; every gradient is one fixed chain of FMAs, so the bits depend on neither threads nor vector width.
/// </summary>
internal static class AttentionBackwardKernel
{
    public const int QueryBlock = AttentionKernel.QueryBlock;
    private const int KeyBlock = AttentionTiles.KeyBlock;

    public static long QueryBlocks(in AttentionShape s) => AttentionKernel.QueryBlocks(s);

    /// <summary>Query-pass items: (batch, query head, query block).</summary>
    public static long QueryItems(in AttentionShape s) => (long)s.Batch * s.QueryHeads * QueryBlocks(s);

    /// <summary>Key-pass items: (batch, kv head, key block).</summary>
    public static long KeyItems(in AttentionShape s) => (long)s.Batch * s.KvHeads * AttentionKernel.PanelsPerHead(s);

    public static double QueryCost(in AttentionShape s) => 6.0 * QueryBlock * s.TotalKeys * s.HeadDim * (s.Causal ? 0.5 : 1);

    public static double KeyCost(in AttentionShape s) => 8.0 * KeyBlock * s.QueryLength * s.Group * s.HeadDim * (s.Causal ? 0.5 : 1);

    private sealed class Scratch(int dim)
    {
        public readonly float[] Scores = new float[KeyBlock * KeyBlock];      // S, then P
        public readonly float[] Grads = new float[KeyBlock * KeyBlock];       // dP, then dS
        public readonly float[] ScoresT = new float[KeyBlock * KeyBlock];     // P^T (key pass)
        public readonly float[] GradsT = new float[KeyBlock * KeyBlock];      // dS^T (key pass)
        public readonly float[] Acc0 = new float[KeyBlock * dim];             // dQ, or dK
        public readonly float[] Acc1 = new float[KeyBlock * dim];             // dV
        public readonly float[] Max = new float[QueryBlock];
        public readonly float[] Sum = new float[QueryBlock];
        public readonly int[] KeyVisible = new int[KeyBlock];                 // -1 where the key exists and is not padding
        public readonly float[] BiasRow = new float[KeyBlock];
    }

    /// <summary>
    /// Query-pass items [start, end): writes L and D of their rows (+infinity for L where a row sees no key) and dQ.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void QueryPass<TL, TV>(in AttentionShape s, ReadOnlySpan<float> q, ReadOnlySpan<float> keys, ReadOnlySpan<float> output,
        ReadOnlySpan<float> gradOutput, ReadOnlySpan<int> mask, ReadOnlySpan<float> bias, ReadOnlySpan<float> keyPanels,
        ReadOnlySpan<float> valuePanels, Span<float> logSumExp, Span<float> rowDot, Span<float> gradQuery, long start, long end)
        where TL : IAttentionLanes<TV> where TV : struct
    {
        var w = new Scratch(s.HeadDim);
        for (long item = start; item < end; item++)
            QueryBlockGradient<TL, TV>(s, q, keys, output, gradOutput, mask, bias, keyPanels, valuePanels, logSumExp, rowDot, gradQuery, item, w);
    }

    /// <summary>Key-pass items [start, end): dK and dV of their keys, from L and D of the query pass.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void KeyPass<TL, TV>(in AttentionShape s, ReadOnlySpan<float> q, ReadOnlySpan<float> gradOutput,
        ReadOnlySpan<int> mask, ReadOnlySpan<float> bias, ReadOnlySpan<float> keyPanels, ReadOnlySpan<float> valuePanels,
        ReadOnlySpan<float> logSumExp, ReadOnlySpan<float> rowDot, Span<float> gradKey, Span<float> gradValue, long start, long end)
        where TL : IAttentionLanes<TV> where TV : struct
    {
        var w = new Scratch(s.HeadDim);
        for (long item = start; item < end; item++)
            KeyBlockGradient<TL, TV>(s, q, gradOutput, mask, bias, keyPanels, valuePanels, logSumExp, rowDot, gradKey, gradValue, item, w);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void QueryBlockGradient<TL, TV>(in AttentionShape s, ReadOnlySpan<float> q, ReadOnlySpan<float> keys, ReadOnlySpan<float> output,
        ReadOnlySpan<float> gradOutput, ReadOnlySpan<int> mask, ReadOnlySpan<float> bias, ReadOnlySpan<float> keyPanels,
        ReadOnlySpan<float> valuePanels, Span<float> logSumExp, Span<float> rowDot, Span<float> gradQuery, long item, Scratch w)
        where TL : IAttentionLanes<TV> where TV : struct
    {
        int blocks = (int)QueryBlocks(s);
        int bh = (int)(item / blocks), t = (int)(item % blocks);
        int qb = s.Causal ? (t % 2 == 0 ? t / 2 : blocks - 1 - t / 2) : t; // balance causal blocks over a static split
        int b = bh / s.QueryHeads, h = bh % s.QueryHeads, kvHead = b * s.KvHeads + h / s.Group;
        int dim = s.HeadDim, i0 = qb * QueryBlock, rows = Math.Min(QueryBlock, s.QueryLength - i0);
        int row0 = bh * s.QueryLength + i0, firstPosition = s.QueryOffset + i0;
        int keyEnd = s.Causal ? Math.Min(s.TotalKeys, firstPosition + rows) : s.TotalKeys;

        for (int r = 0; r < rows; r++)
            rowDot[row0 + r] = SimdMath.Dot(gradOutput.Slice((row0 + r) * dim, dim), output.Slice((row0 + r) * dim, dim));

        // First sweep: each row's max and sum, hence L = m + ln l.
        w.Max.AsSpan().Fill(float.NegativeInfinity);
        w.Sum.AsSpan().Clear();
        ref float scores = ref MemoryMarshal.GetArrayDataReference(w.Scores);
        ref float grads = ref MemoryMarshal.GetArrayDataReference(w.Grads);
        int biasRow0 = ((s.BiasPerBatch ? bh : h) * s.QueryLength + i0) * s.TotalKeys;
        for (int k0 = 0; k0 < keyEnd; k0 += KeyBlock)
        {
            int kn = Math.Min(KeyBlock, keyEnd - k0);
            MarkVisible(s, mask, b, k0, kn, w.KeyVisible);
            Products<TL, TV>(q, row0 * dim, rows, dim, ref PanelAt(s, keyPanels, kvHead, k0), ref scores);
            for (int r = 0; r < rows; r++)
                RowMaxSum(ref Unsafe.Add(ref scores, r * KeyBlock), s.Scale, BiasRow(s, bias, biasRow0 + r * s.TotalKeys + k0, kn, w.BiasRow),
                    w.KeyVisible, s.Causal ? firstPosition + r - k0 : int.MaxValue, ref w.Max[r], ref w.Sum[r]);
        }
        for (int r = 0; r < rows; r++)
            logSumExp[row0 + r] = w.Sum[r] > 0 ? w.Max[r] + Numerics.ManagedMath.Log(w.Sum[r]) : float.PositiveInfinity;

        // Second sweep: dS of each key block, dQ += dS K.
        int paddedRows = (rows + 3) & ~3;
        var acc = w.Acc0.AsSpan(0, paddedRows * dim);
        acc.Clear();
        for (int k0 = 0; k0 < keyEnd; k0 += KeyBlock)
        {
            int kn = Math.Min(KeyBlock, keyEnd - k0);
            MarkVisible(s, mask, b, k0, kn, w.KeyVisible);
            Products<TL, TV>(q, row0 * dim, rows, dim, ref PanelAt(s, keyPanels, kvHead, k0), ref scores);
            Products<TL, TV>(gradOutput, row0 * dim, rows, dim, ref PanelAt(s, valuePanels, kvHead, k0), ref grads);
            for (int r = 0; r < rows; r++)
                ScoreGradientRow(ref Unsafe.Add(ref scores, r * KeyBlock), ref Unsafe.Add(ref grads, r * KeyBlock), s.Scale,
                    BiasRow(s, bias, biasRow0 + r * s.TotalKeys + k0, kn, w.BiasRow), w.KeyVisible,
                    s.Causal ? firstPosition + r - k0 : int.MaxValue, logSumExp[row0 + r], rowDot[row0 + r]);
            w.Grads.AsSpan(rows * KeyBlock, (paddedRows - rows) * KeyBlock).Clear(); // padding rows add nothing
            ref float k = ref Unsafe.AsRef(in keys[(kvHead * s.KeyRowsPerHead + k0) * dim]);
            for (int r = 0; r < rows; r += 4)
                AttentionTiles.Accumulate<TL, TV>(ref Unsafe.Add(ref grads, r * KeyBlock), ref k, kn, dim,
                    ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(w.Acc0), r * dim));
        }
        TensorPrimitives.Multiply(acc[..(rows * dim)], s.Scale, gradQuery.Slice(row0 * dim, rows * dim));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void KeyBlockGradient<TL, TV>(in AttentionShape s, ReadOnlySpan<float> q, ReadOnlySpan<float> gradOutput,
        ReadOnlySpan<int> mask, ReadOnlySpan<float> bias, ReadOnlySpan<float> keyPanels, ReadOnlySpan<float> valuePanels,
        ReadOnlySpan<float> logSumExp, ReadOnlySpan<float> rowDot, Span<float> gradKey, Span<float> gradValue, long item, Scratch w)
        where TL : IAttentionLanes<TV> where TV : struct
    {
        int blocks = AttentionKernel.PanelsPerHead(s);
        int kvHead = (int)(item / blocks), t = (int)(item % blocks);
        int kb = s.Causal ? (t % 2 == 0 ? t / 2 : blocks - 1 - t / 2) : t;
        int b = kvHead / s.KvHeads, g = kvHead % s.KvHeads;
        int dim = s.HeadDim, k0 = kb * KeyBlock, kn = Math.Min(KeyBlock, s.TotalKeys - k0);
        MarkVisible(s, mask, b, k0, kn, w.KeyVisible);
        var dK = w.Acc0.AsSpan(0, KeyBlock * dim);
        var dV = w.Acc1.AsSpan(0, KeyBlock * dim);
        dK.Clear();
        dV.Clear();
        ref float scores = ref MemoryMarshal.GetArrayDataReference(w.Scores);
        ref float grads = ref MemoryMarshal.GetArrayDataReference(w.Grads);
        ref float scoresT = ref MemoryMarshal.GetArrayDataReference(w.ScoresT);
        ref float gradsT = ref MemoryMarshal.GetArrayDataReference(w.GradsT);
        ref float keyPanel = ref PanelAt(s, keyPanels, kvHead, k0);
        ref float valuePanel = ref PanelAt(s, valuePanels, kvHead, k0);
        int firstQuery = s.Causal ? Math.Max(0, k0 - s.QueryOffset) : 0; // earlier queries see none of these keys

        for (int hg = 0; hg < s.Group; hg++) // the group's query heads in order: a fixed sum
        {
            int h = g * s.Group + hg, bh = b * s.QueryHeads + h;
            for (int i0 = firstQuery; i0 < s.QueryLength; i0 += KeyBlock)
            {
                int rows = Math.Min(KeyBlock, s.QueryLength - i0), row0 = bh * s.QueryLength + i0;
                int biasRow0 = ((s.BiasPerBatch ? bh : h) * s.QueryLength + i0) * s.TotalKeys + k0;
                Products<TL, TV>(q, row0 * dim, rows, dim, ref keyPanel, ref scores);
                Products<TL, TV>(gradOutput, row0 * dim, rows, dim, ref valuePanel, ref grads);
                for (int r = 0; r < rows; r++)
                    ScoreGradientRow(ref Unsafe.Add(ref scores, r * KeyBlock), ref Unsafe.Add(ref grads, r * KeyBlock), s.Scale,
                        BiasRow(s, bias, biasRow0 + r * s.TotalKeys, kn, w.BiasRow), w.KeyVisible,
                        s.Causal ? s.QueryOffset + i0 + r - k0 : int.MaxValue, logSumExp[row0 + r], rowDot[row0 + r]);
                Transpose(ref scores, ref scoresT, rows, kn);
                Transpose(ref grads, ref gradsT, rows, kn);
                ref float dO = ref Unsafe.AsRef(in gradOutput[row0 * dim]);
                ref float qRows = ref Unsafe.AsRef(in q[row0 * dim]);
                for (int j = 0; j < kn; j += 4) // rows past kn are zero-weighted scratch; only kn are written out
                {
                    AttentionTiles.Accumulate<TL, TV>(ref Unsafe.Add(ref scoresT, j * KeyBlock), ref dO, rows, dim,
                        ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(w.Acc1), j * dim));
                    AttentionTiles.Accumulate<TL, TV>(ref Unsafe.Add(ref gradsT, j * KeyBlock), ref qRows, rows, dim,
                        ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(w.Acc0), j * dim));
                }
            }
        }
        int at = (kvHead * s.KeyRowsPerHead + k0) * dim;
        TensorPrimitives.Multiply(dK[..(kn * dim)], s.Scale, gradKey.Slice(at, kn * dim));
        dV[..(kn * dim)].CopyTo(gradValue.Slice(at, kn * dim));
    }

    /// <summary>The packed panel of (kv head, key block starting at k0).</summary>
    private static ref float PanelAt(in AttentionShape s, ReadOnlySpan<float> panels, int kvHead, int k0) =>
        ref Unsafe.AsRef(in panels[(kvHead * AttentionKernel.PanelsPerHead(s) + k0 / KeyBlock) * s.HeadDim * KeyBlock]);

    /// <summary>
    /// out[r][j] = row r of x (rows from <paramref name="first"/>) dotted with column j of the panel, four rows at
    /// a time; rows past the block repeat its last row.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Products<TL, TV>(ReadOnlySpan<float> x, int first, int rows, int dim, ref float panel, ref float result)
        where TL : IAttentionLanes<TV> where TV : struct
    {
        ref float x0 = ref Unsafe.AsRef(in x[first]);
        for (int r = 0; r < rows; r += 4)
            AttentionTiles.Scores<TL, TV>(
                ref Unsafe.Add(ref x0, r * dim), ref Unsafe.Add(ref x0, Math.Min(r + 1, rows - 1) * dim),
                ref Unsafe.Add(ref x0, Math.Min(r + 2, rows - 1) * dim), ref Unsafe.Add(ref x0, Math.Min(r + 3, rows - 1) * dim),
                ref panel, dim, ref Unsafe.Add(ref result, r * KeyBlock));
    }

    private static void MarkVisible(in AttentionShape s, ReadOnlySpan<int> mask, int b, int k0, int kn, int[] keyVisible)
    {
        for (int j = 0; j < KeyBlock; j++)
            keyVisible[j] = j < kn && (!s.HasMask || mask[b * s.TotalKeys + k0 + j] != 0) ? -1 : 0;
    }

    /// <summary>The bias row of a key block, 64 long (copied into scratch when the block is cut short).</summary>
    private static ReadOnlySpan<float> BiasRow(in AttentionShape s, ReadOnlySpan<float> bias, int at, int kn, float[] scratch)
    {
        if (!s.HasBias) return default;
        var row = bias.Slice(at, kn);
        if (kn == KeyBlock) return row;
        row.CopyTo(scratch);
        return scratch;
    }

    /// <summary>t[j][r] = x[r][j] for r &lt; rows, j &lt; keys (both 64 wide).</summary>
    private static void Transpose(ref float x, ref float t, int rows, int keys)
    {
        for (int r = 0; r < rows; r++)
        {
            ref float row = ref Unsafe.Add(ref x, r * KeyBlock);
            for (int j = 0; j < keys; j++) Unsafe.Add(ref t, j * KeyBlock + r) = Unsafe.Add(ref row, j);
        }
    }

    /// <summary>The scaled, biased, masked scores of a row, 8 keys from c: -infinity where a key is hidden.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Logits(ref float row, int c, float scale, ReadOnlySpan<float> bias, ref int visible, int lastVisible)
    {
        var x = Vector256.LoadUnsafe(ref Unsafe.Add(ref row, c)) * Vector256.Create(scale);
        if (!bias.IsEmpty) x += Vector256.Create(bias.Slice(c, 8));
        var lane = Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7) + Vector256.Create(c);
        var ok = Vector256.LoadUnsafe(ref Unsafe.Add(ref visible, c)) & Vector256.LessThanOrEqual(lane, Vector256.Create(lastVisible));
        return Vector256.ConditionalSelect(ok.AsSingle(), x, Vector256.Create(float.NegativeInfinity));
    }

    /// <summary>Advances a row's running max and sum over one key block of scores.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RowMaxSum(ref float row, float scale, ReadOnlySpan<float> bias, int[] keyVisible, int lastVisible, ref float max, ref float sum)
    {
        ref int visible = ref MemoryMarshal.GetArrayDataReference(keyVisible);
        var m = Vector256.Create(float.NegativeInfinity);
        for (int c = 0; c < KeyBlock; c += 8)
        {
            var x = Logits(ref row, c, scale, bias, ref visible, lastVisible);
            x.StoreUnsafe(ref Unsafe.Add(ref row, c));
            m = Vector256.Max(m, x);
        }
        float blockMax = m.GetElement(0);
        for (int l = 1; l < 8; l++) blockMax = Math.Max(blockMax, m.GetElement(l));
        float newMax = Math.Max(max, blockMax);
        if (float.IsNegativeInfinity(newMax)) return; // nothing visible yet

        var mv = Vector256.Create(newMax);
        var total = Vector256<float>.Zero;
        for (int c = 0; c < KeyBlock; c += 8)
            total += SimdMath.Exp(Vector256.LoadUnsafe(ref Unsafe.Add(ref row, c)) - mv);
        var h4 = total.GetLower() + total.GetUpper();
        float blockSum = (h4.GetElement(0) + h4.GetElement(2)) + (h4.GetElement(1) + h4.GetElement(3));
        sum = sum * SimdMath.Exp(max - newMax) + blockSum;
        max = newMax;
    }

    /// <summary>
    /// One row of a key block: the scores become P = e^(s scale + bias - L) (0 where hidden) and dP becomes
    /// dS = P (dP - D).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ScoreGradientRow(ref float row, ref float grad, float scale, ReadOnlySpan<float> bias, int[] keyVisible,
        int lastVisible, float logSumExp, float rowDot)
    {
        ref int visible = ref MemoryMarshal.GetArrayDataReference(keyVisible);
        var l = Vector256.Create(logSumExp);
        var d = Vector256.Create(rowDot);
        for (int c = 0; c < KeyBlock; c += 8)
        {
            var p = SimdMath.Exp(Logits(ref row, c, scale, bias, ref visible, lastVisible) - l);
            ref float gc = ref Unsafe.Add(ref grad, c);
            p.StoreUnsafe(ref Unsafe.Add(ref row, c));
            (p * (Vector256.LoadUnsafe(ref gc) - d)).StoreUnsafe(ref gc);
        }
    }
}
