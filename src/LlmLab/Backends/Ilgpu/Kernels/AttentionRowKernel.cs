using System.Runtime.CompilerServices;
using ILGPU;
using ILGPU.Algorithms;

namespace LlmLab.Backends.Ilgpu.Kernels;

/// <summary>
/// Attention for head dims 129..256, past the tiled kernels (whose tiles would not fit in shared memory): one warp
/// per query row (four rows per group of 128), simple and about 10x slower than the tiles. Lane j scores key k0 + j of each 32-key chunk (a dot product against q held
/// in shared memory), the warp's online softmax uses shuffles, and each lane accumulates dims lane + 32u of the
/// output in registers, reading V rows coalesced and taking each p from its lane by a shuffle.
/// </summary>
internal static class AttentionRowKernel
{
    public const int Threads = 128;
    public const int RowsPerGroup = Threads / 32;
    public const int MaxDim = 256;

    public static void Run(ArrayView<float> q, ArrayView<float> keys, ArrayView<float> values, ArrayView<int> mask,
        ArrayView<float> bias, ArrayView<float> output, AttentionParams p)
    {
        var qs = SharedMemory.Allocate<float>(RowsPerGroup * MaxDim);
        int warp = Group.IdxX >> 5, lane = Group.IdxX & 31;
        long rows = (long)p.Batch * p.QueryHeads * p.QueryLength;
        long row = (long)Grid.IdxX * RowsPerGroup + warp;
        bool live = row < rows;
        if (!live) row = 0;
        long bh = row / p.QueryLength;
        int query = (int)(row - bh * p.QueryLength);
        int b = (int)(bh / p.QueryHeads), h = (int)(bh - (long)b * p.QueryHeads);
        int dim = p.HeadDim, qs0 = warp * MaxDim;
        long kvBase = ((long)b * p.KvHeads + h / p.Group) * p.KeyRowsPerHead * dim;
        long biasRow = p.BiasBase(b, h) + (long)query * p.TotalKeys;

        for (int d = lane; d < MaxDim; d += 32)
            qs[qs0 + d] = d < dim ? q[row * dim + d] * p.ScaleLog2 : 0f;
        Group.Barrier();

        int keyEnd = !live ? 0 : p.Causal != 0 ? XMath.Min(p.TotalKeys, p.QueryOffset + query + 1) : p.TotalKeys;
        float max = float.NegativeInfinity, sum = 0;
        var o = AttentionRow8.Zero; // dims lane + 32u
        for (int k0 = 0; k0 < keyEnd; k0 += 32)
        {
            int key = k0 + lane;
            float s = float.NegativeInfinity;
            if (key < keyEnd && (p.HasMask == 0 || mask[(long)b * p.TotalKeys + key] != 0))
            {
                long at = kvBase + (long)key * dim;
                float dot = 0;
                for (int d = 0; d < dim; d++) dot += qs[qs0 + d] * keys[at + d];
                s = p.HasBias != 0 ? dot + bias[biasRow + key] * AttentionParams.Log2E : dot;
            }

            float chunkMax = s;
            for (int offset = 16; offset > 0; offset >>= 1)
                chunkMax = XMath.Max(chunkMax, Warp.ShuffleXor(chunkMax, offset));
            float newMax = XMath.Max(max, chunkMax);
            float m = newMax == float.NegativeInfinity ? 0f : newMax; // no key seen yet: p = 0, no -inf - -inf
            float alpha = XMath.Exp2(max - m);
            float pj = XMath.Exp2(s - m);
            sum = sum * alpha + pj;
            o = AttentionRow8.Scale(o, alpha);
            max = newMax;

            int chunk = XMath.Min(32, keyEnd - k0);
            for (int t = 0; t < chunk; t++)
            {
                float pt = Warp.Shuffle(pj, t);
                o = AttentionRow8.MulAdd(pt, LoadDims(values, kvBase + (long)(k0 + t) * dim, lane, dim), o);
            }
        }

        for (int offset = 16; offset > 0; offset >>= 1)
            sum += Warp.ShuffleXor(sum, offset);
        if (!live) return;
        float inverse = sum > 0 ? 1f / sum : 0f;
        long outRow = row * dim;
        if (lane < dim) output[outRow + lane] = o.X0 * inverse;
        if (lane + 32 < dim) output[outRow + lane + 32] = o.X1 * inverse;
        if (lane + 64 < dim) output[outRow + lane + 64] = o.X2 * inverse;
        if (lane + 96 < dim) output[outRow + lane + 96] = o.X3 * inverse;
        if (lane + 128 < dim) output[outRow + lane + 128] = o.X4 * inverse;
        if (lane + 160 < dim) output[outRow + lane + 160] = o.X5 * inverse;
        if (lane + 192 < dim) output[outRow + lane + 192] = o.X6 * inverse;
        if (lane + 224 < dim) output[outRow + lane + 224] = o.X7 * inverse;
    }

    /// <summary>Dims lane + 32u (u = 0..7) of one V row, 0 past the head dim.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static AttentionRow8 LoadDims(ArrayView<float> values, long at, int lane, int dim) => new(
        lane < dim ? values[at + lane] : 0f, lane + 32 < dim ? values[at + lane + 32] : 0f,
        lane + 64 < dim ? values[at + lane + 64] : 0f, lane + 96 < dim ? values[at + lane + 96] : 0f,
        lane + 128 < dim ? values[at + lane + 128] : 0f, lane + 160 < dim ? values[at + lane + 160] : 0f,
        lane + 192 < dim ? values[at + lane + 192] : 0f, lane + 224 < dim ? values[at + lane + 224] : 0f);
}
