using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace LlmLab.Backends.Cpu.Kernels;

/// <summary>
/// Fused attention, flash style: a block of up to 16 queries of one head walks the keys 64 at a time, keeping per
/// row a running max m, a running sum l and an output accumulator O rescaled by e^(m_old - m_new) whenever the max
/// grows; no [Tq, Tk] matrix exists. Key blocks past the block's last visible position (causal) are never touched.
/// Scores come from packed K^T panels (<see cref="AttentionTiles"/>) when enough queries share a kv head to pay for
/// the packing (prefill), else from <see cref="SimdMath.Dot"/> per key (decode). Every output is computed from its
/// inputs alone in a fixed order, so the bits do not depend on the thread count or the vector width.
/// </summary>
internal static class AttentionKernel
{
    public const int QueryBlock = 16;
    private const int KeyBlock = AttentionTiles.KeyBlock;

    /// <summary>Packing K^T costs one pass over the keys of a kv head; it pays once 8 query rows read them.</summary>
    public static bool UsesPackedKeys(in AttentionShape s) => (long)s.QueryLength * s.Group >= 8;

    public static int PanelsPerHead(in AttentionShape s) => (s.TotalKeys + KeyBlock - 1) / KeyBlock;

    public static long PanelLength(in AttentionShape s) => (long)s.Batch * s.KvHeads * PanelsPerHead(s) * s.HeadDim * KeyBlock;

    public static long QueryBlocks(in AttentionShape s) => (s.QueryLength + QueryBlock - 1) / QueryBlock;

    /// <summary>Work items: (batch, query head, query block).</summary>
    public static long WorkItems(in AttentionShape s) => (long)s.Batch * s.QueryHeads * QueryBlocks(s);

    /// <summary>Rough flops of a work item (for <see cref="CpuParallel.For"/>).</summary>
    public static double CostPerItem(in AttentionShape s) =>
        4.0 * QueryBlock * s.TotalKeys * s.HeadDim * (s.Causal ? 0.5 : 1);

    /// <summary>Packs panels [start, end) of the (kv head, key block) list.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot from the first call: no tier-0 code
    public static void Pack(in AttentionShape s, ReadOnlySpan<float> keys, Span<float> panels, long start, long end)
    {
        int perHead = PanelsPerHead(s), dim = s.HeadDim, size = dim * KeyBlock;
        for (long item = start; item < end; item++)
        {
            int head = (int)(item / perHead), k0 = (int)(item % perHead) * KeyBlock;
            int count = Math.Min(KeyBlock, s.TotalKeys - k0);
            AttentionTiles.PackKeys(keys.Slice((head * s.KeyRowsPerHead + k0) * dim, count * dim), count, dim,
                panels.Slice((int)(item * size), size));
        }
    }

    /// <summary>Work items [start, end); <paramref name="panels"/> is empty unless <see cref="UsesPackedKeys"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run<TL, TV>(in AttentionShape s, ReadOnlySpan<float> q, ReadOnlySpan<float> keys, ReadOnlySpan<float> values,
        ReadOnlySpan<int> mask, ReadOnlySpan<float> bias, ReadOnlySpan<float> panels, Span<float> output, long start, long end)
        where TL : IAttentionLanes<TV> where TV : struct
    {
        var w = new Scratch(s.HeadDim);
        for (long item = start; item < end; item++)
            Block<TL, TV>(s, q, keys, values, mask, bias, panels, output, item, w);
    }

    private sealed class Scratch(int dim)
    {
        public readonly float[] Scores = new float[QueryBlock * KeyBlock];   // S, then P, of the current key block
        public readonly float[] Output = new float[QueryBlock * dim];        // unnormalised O
        public readonly float[] Max = new float[QueryBlock];
        public readonly float[] Sum = new float[QueryBlock];
        public readonly int[] KeyVisible = new int[KeyBlock];                // -1 where the key exists and is not padding
        public readonly float[] BiasRow = new float[KeyBlock];               // a bias row cut short by the last key
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Block<TL, TV>(in AttentionShape s, ReadOnlySpan<float> q, ReadOnlySpan<float> keys, ReadOnlySpan<float> values,
        ReadOnlySpan<int> mask, ReadOnlySpan<float> bias, ReadOnlySpan<float> panels, Span<float> output, long item, Scratch w)
        where TL : IAttentionLanes<TV> where TV : struct
    {
        int blocks = (int)QueryBlocks(s);
        int bh = (int)(item / blocks), t = (int)(item % blocks);
        // Causal blocks grow with their index: interleave short and long ones so a static split is balanced.
        int qb = s.Causal ? (t % 2 == 0 ? t / 2 : blocks - 1 - t / 2) : t;
        int b = bh / s.QueryHeads, h = bh % s.QueryHeads;
        int kvRow = (b * s.KvHeads + h / s.Group) * s.KeyRowsPerHead;
        int dim = s.HeadDim, i0 = qb * QueryBlock, rows = Math.Min(QueryBlock, s.QueryLength - i0);
        int firstPosition = s.QueryOffset + i0;
        int keyEnd = s.Causal ? Math.Min(s.TotalKeys, firstPosition + rows) : s.TotalKeys;
        if (keyEnd <= 0) return; // no row sees a key: the zeros already there are the answer

        var qBlock = q.Slice((bh * s.QueryLength + i0) * dim, rows * dim);
        var o = w.Output.AsSpan();
        o.Clear();
        w.Max.AsSpan().Fill(float.NegativeInfinity);
        w.Sum.AsSpan().Clear();
        int paddedRows = (rows + 3) & ~3;
        bool packed = !panels.IsEmpty;
        int biasRow0 = ((s.BiasPerBatch ? bh : h) * s.QueryLength + i0) * s.TotalKeys;

        for (int k0 = 0; k0 < keyEnd; k0 += KeyBlock)
        {
            int kn = Math.Min(KeyBlock, keyEnd - k0);
            for (int j = 0; j < KeyBlock; j++)
                w.KeyVisible[j] = j < kn && (!s.HasMask || mask[b * s.TotalKeys + k0 + j] != 0) ? -1 : 0;

            ref float scores = ref MemoryMarshal.GetArrayDataReference(w.Scores);
            if (packed)
            {
                ref float panel = ref Unsafe.Add(ref MemoryMarshal.GetReference(panels), (kvRow / s.KeyRowsPerHead * PanelsPerHead(s) + k0 / KeyBlock) * dim * KeyBlock);
                ref float q0 = ref MemoryMarshal.GetReference(qBlock);
                for (int r = 0; r < rows; r += 4) // rows past the block repeat its last row; their scores are dropped
                    AttentionTiles.Scores<TL, TV>(
                        ref Unsafe.Add(ref q0, r * dim), ref Unsafe.Add(ref q0, Math.Min(r + 1, rows - 1) * dim),
                        ref Unsafe.Add(ref q0, Math.Min(r + 2, rows - 1) * dim), ref Unsafe.Add(ref q0, Math.Min(r + 3, rows - 1) * dim),
                        ref panel, dim, ref Unsafe.Add(ref scores, r * KeyBlock));
            }
            else
            {
                for (int r = 0; r < rows; r++)
                {
                    var qRow = qBlock.Slice(r * dim, dim);
                    for (int j = 0; j < kn; j++)
                        w.Scores[r * KeyBlock + j] = SimdMath.Dot(qRow, keys.Slice((kvRow + k0 + j) * dim, dim));
                }
            }

            for (int r = 0; r < rows; r++)
            {
                ReadOnlySpan<float> biasRow = default;
                if (s.HasBias)
                {
                    biasRow = bias.Slice(biasRow0 + r * s.TotalKeys + k0, kn);
                    if (kn < KeyBlock)
                    {
                        biasRow.CopyTo(w.BiasRow);
                        biasRow = w.BiasRow;
                    }
                }
                int lastVisible = s.Causal ? firstPosition + r - k0 : int.MaxValue;
                OnlineSoftmaxRow(ref Unsafe.Add(ref scores, r * KeyBlock), s.Scale, biasRow, w.KeyVisible, lastVisible,
                    ref w.Max[r], ref w.Sum[r], o.Slice(r * dim, dim));
            }
            w.Scores.AsSpan(rows * KeyBlock, (paddedRows - rows) * KeyBlock).Clear(); // padding rows add nothing

            ref float v = ref Unsafe.Add(ref MemoryMarshal.GetReference(values), (kvRow + k0) * dim);
            for (int r = 0; r < rows; r += 4)
                AttentionTiles.Accumulate<TL, TV>(ref Unsafe.Add(ref scores, r * KeyBlock), ref v, kn, dim,
                    ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(w.Output), r * dim));
        }

        var outBlock = output.Slice((bh * s.QueryLength + i0) * dim, rows * dim);
        for (int r = 0; r < rows; r++)
            if (w.Sum[r] > 0) // else the row saw no key: zeros
                TensorPrimitives.Divide(o.Slice(r * dim, dim), w.Sum[r], outBlock.Slice(r * dim, dim));
    }

    /// <summary>
    /// One row of a key block: scores become scale * s + bias, masked ones -infinity; then the running max and sum
    /// advance, the row's accumulator is rescaled, and the row holds p = e^(s - m) for the P V product.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void OnlineSoftmaxRow(ref float row, float scale, ReadOnlySpan<float> bias, int[] keyVisible, int lastVisible,
        ref float max, ref float sum, Span<float> o)
    {
        var minusInfinity = Vector256.Create(float.NegativeInfinity);
        var scaleV = Vector256.Create(scale);
        var limit = Vector256.Create(lastVisible);
        var lane = Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7);
        ref int visible = ref MemoryMarshal.GetArrayDataReference(keyVisible);
        var m = minusInfinity;
        for (int c = 0; c < KeyBlock; c += 8)
        {
            ref float at = ref Unsafe.Add(ref row, c);
            var x = Vector256.LoadUnsafe(ref at) * scaleV;
            if (!bias.IsEmpty) x += Vector256.Create(bias.Slice(c, 8));
            var ok = Vector256.LoadUnsafe(ref Unsafe.Add(ref visible, c)) & Vector256.LessThanOrEqual(lane + Vector256.Create(c), limit);
            x = Vector256.ConditionalSelect(ok.AsSingle(), x, minusInfinity);
            x.StoreUnsafe(ref at);
            m = Vector256.Max(m, x);
        }
        float blockMax = m.GetElement(0);
        for (int l = 1; l < 8; l++) blockMax = Math.Max(blockMax, m.GetElement(l));
        float newMax = Math.Max(max, blockMax);
        if (float.IsNegativeInfinity(newMax))
        {
            MemoryMarshal.CreateSpan(ref row, KeyBlock).Clear(); // nothing visible yet
            return;
        }

        float alpha = SimdMath.Exp(max - newMax); // 0 on the first visible block (max = -infinity)
        var mv = Vector256.Create(newMax);
        Vector256<float> s0 = Vector256<float>.Zero, s1 = Vector256<float>.Zero;
        for (int c = 0; c < KeyBlock; c += 16)
        {
            ref float at = ref Unsafe.Add(ref row, c);
            var p0 = SimdMath.Exp(Vector256.LoadUnsafe(ref at) - mv);
            var p1 = SimdMath.Exp(Vector256.LoadUnsafe(ref Unsafe.Add(ref at, 8)) - mv);
            p0.StoreUnsafe(ref at);
            p1.StoreUnsafe(ref Unsafe.Add(ref at, 8));
            s0 += p0;
            s1 += p1;
        }
        var h8 = s0 + s1;
        var h4 = h8.GetLower() + h8.GetUpper();
        float blockSum = (h4.GetElement(0) + h4.GetElement(2)) + (h4.GetElement(1) + h4.GetElement(3));
        sum = sum * alpha + blockSum;
        max = newMax;
        if (alpha != 1f) TensorPrimitives.Multiply(o, alpha, o);
    }
}
