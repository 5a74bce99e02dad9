using System.Runtime.CompilerServices;
using ILGPU;
using ILGPU.Algorithms;

namespace LlmLab.Backends.Ilgpu.Kernels;

/// <summary>The sizes the attention backward kernels read, passed by value.</summary>
internal struct AttentionBackwardParams
{
    public int Batch;
    public int QueryHeads;
    public int KvHeads;
    public int Group;
    public int QueryLength;
    public int KeyLength;
    public int HeadDim;
    /// <summary>Absolute position of query 0: KeyLength - QueryLength.</summary>
    public int QueryOffset;
    public int QueryTiles;
    public int KeyTiles;
    public float Scale;
    public int Causal;
    public int HasMask;
    public int HasBias;
    public int BiasPerBatch;

    internal static AttentionBackwardParams From(in AttentionShape s) => new()
    {
        Batch = s.Batch,
        QueryHeads = s.QueryHeads,
        KvHeads = s.KvHeads,
        Group = s.Group,
        QueryLength = s.QueryLength,
        KeyLength = s.TotalKeys,
        HeadDim = s.HeadDim,
        QueryOffset = s.QueryOffset,
        QueryTiles = (s.QueryLength + AttentionBackwardTiles.Tile - 1) / AttentionBackwardTiles.Tile,
        KeyTiles = (s.TotalKeys + AttentionBackwardTiles.Tile - 1) / AttentionBackwardTiles.Tile,
        Scale = s.Scale,
        Causal = s.Causal ? 1 : 0,
        HasMask = s.HasMask ? 1 : 0,
        HasBias = s.HasBias ? 1 : 0,
        BiasPerBatch = s.BiasPerBatch ? 1 : 0,
    };
}

/// <summary>
/// What the two attention backward kernels share. A group of 128 threads works on 16 queries x 16 keys at a time;
/// rows of Q, dO, K and V sit in shared memory as [row][129] (padded so that the 8 rows a warp reads at one dim fall
/// in different banks), zero past the head dim. For the score products thread t owns query row t / 8 and keys
/// t % 8 and t % 8 + 8, so the 8 lanes of a row are neighbours in a warp (row reductions by shuffles).
/// </summary>
internal static class AttentionBackwardTiles
{
    public const int Tile = 16;
    public const int Threads = 128;
    public const int MaxDim = 128;
    public const int Stride = MaxDim + 1;
    public const int TileFloats = Tile * Stride;
    /// <summary>A 16 x 16 block of P or dS, rows padded to 17.</summary>
    public const int BlockFloats = Tile * (Tile + 1);

    /// <summary>Rows [first, first + 16) of a [rows, dim] matrix starting at base (rows at or past end read 0), coalesced.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void LoadRows(ArrayView<float> source, long rowBase, int first, int end, int dim, ArrayView<float> tile)
    {
        for (int e = Group.IdxX; e < Tile * MaxDim; e += 4 * Threads)
        {
            tile[Slot(e)] = At(source, rowBase, first, end, dim, e);
            tile[Slot(e + Threads)] = At(source, rowBase, first, end, dim, e + Threads);
            tile[Slot(e + 2 * Threads)] = At(source, rowBase, first, end, dim, e + 2 * Threads);
            tile[Slot(e + 3 * Threads)] = At(source, rowBase, first, end, dim, e + 3 * Threads);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Slot(int e) => (e >> 7) * Stride + (e & (MaxDim - 1));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float At(ArrayView<float> source, long rowBase, int first, int end, int dim, int e)
    {
        int row = first + (e >> 7), d = e & (MaxDim - 1);
        return row < end && d < dim ? source[(rowBase + row) * dim + d] : 0f;
    }

    /// <summary>
    /// Row r of a (queries) times rows c and c + 8 of b (keys) over dims [0, dims) (a multiple of 4), unrolled by 4.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Pair Products(ArrayView<float> a, ArrayView<float> b, int r, int c, int dims)
    {
        float s0 = 0, s1 = 0;
        int ar = r * Stride, b0 = c * Stride, b1 = (c + 8) * Stride;
        for (int d = 0; d < dims; d += 4)
        {
            float x0 = a[ar + d], x1 = a[ar + d + 1], x2 = a[ar + d + 2], x3 = a[ar + d + 3];
            s0 += x0 * b[b0 + d]; s1 += x0 * b[b1 + d];
            s0 += x1 * b[b0 + d + 1]; s1 += x1 * b[b1 + d + 1];
            s0 += x2 * b[b0 + d + 2]; s1 += x2 * b[b1 + d + 2];
            s0 += x3 * b[b0 + d + 3]; s1 += x3 * b[b1 + d + 3];
        }
        return new Pair(s0, s1);
    }

    /// <summary>s scale + bias, or -infinity where the query or key is missing, the key is padding, or it lies in the query's future.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Logit(float s, ArrayView<int> mask, ArrayView<float> bias, AttentionBackwardParams p, int b, int h, int query, int key)
    {
        bool visible = query < p.QueryLength && key < p.KeyLength
            && (p.Causal == 0 || key <= p.QueryOffset + query)
            && (p.HasMask == 0 || mask[(long)b * p.KeyLength + key] != 0);
        if (!visible) return float.NegativeInfinity;
        float x = s * p.Scale;
        if (p.HasBias != 0)
            x += bias[(((long)(p.BiasPerBatch != 0 ? b * p.QueryHeads + h : h)) * p.QueryLength + query) * p.KeyLength + key];
        return x;
    }

    /// <summary>Reduction over the 8 lanes that share a row.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float RowMax(float x)
    {
        x = XMath.Max(x, Warp.ShuffleXor(x, 1));
        x = XMath.Max(x, Warp.ShuffleXor(x, 2));
        return XMath.Max(x, Warp.ShuffleXor(x, 4));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float RowSum(float x)
    {
        x += Warp.ShuffleXor(x, 1);
        x += Warp.ShuffleXor(x, 2);
        return x + Warp.ShuffleXor(x, 4);
    }

    /// <summary>
    /// acc += sum over the 16 rows c of w[row][c] * x[c][dims tx + 8j (+ 64)]: w a 16 x 17 block, x a tile;
    /// unrolled by 4.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static AttentionRow8 Accumulate(ArrayView<float> w, int row, ArrayView<float> x, int dimOffset, AttentionRow8 acc)
    {
        int wr = row * (Tile + 1);
        for (int c = 0; c < Tile; c += 4)
        {
            acc = AttentionRow8.MulAdd(w[wr + c], AttentionRow8.Load(x, c * Stride + dimOffset, 8), acc);
            acc = AttentionRow8.MulAdd(w[wr + c + 1], AttentionRow8.Load(x, (c + 1) * Stride + dimOffset, 8), acc);
            acc = AttentionRow8.MulAdd(w[wr + c + 2], AttentionRow8.Load(x, (c + 2) * Stride + dimOffset, 8), acc);
            acc = AttentionRow8.MulAdd(w[wr + c + 3], AttentionRow8.Load(x, (c + 3) * Stride + dimOffset, 8), acc);
        }
        return acc;
    }

    /// <summary>The gradient row at <paramref name="at"/> (a [rows, dim] matrix), dims tx + 8j + dimOffset, times a factor.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Write(ArrayView<float> target, long at, int dim, int dimOffset, int tx, AttentionRow8 x, float factor)
    {
        int d = dimOffset + tx;
        if (d < dim) target[at + d] = x.X0 * factor;
        if (d + 8 < dim) target[at + d + 8] = x.X1 * factor;
        if (d + 16 < dim) target[at + d + 16] = x.X2 * factor;
        if (d + 24 < dim) target[at + d + 24] = x.X3 * factor;
        if (d + 32 < dim) target[at + d + 32] = x.X4 * factor;
        if (d + 40 < dim) target[at + d + 40] = x.X5 * factor;
        if (d + 48 < dim) target[at + d + 48] = x.X6 * factor;
        if (d + 56 < dim) target[at + d + 56] = x.X7 * factor;
    }

    internal readonly struct Pair(float a, float b)
    {
        public readonly float A = a, B = b;
    }
}
