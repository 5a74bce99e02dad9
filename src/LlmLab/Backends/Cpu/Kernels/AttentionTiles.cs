using System.Runtime.CompilerServices;

namespace LlmLab.Backends.Cpu.Kernels;

/// <summary>
/// The two register-blocked products of an attention block, four query rows at a time: scores S = Q K^T against a
/// packed K^T panel (lanes over keys) and the output update O += P V (lanes over dims). Each output element is one
/// chain of FMAs in a fixed order (over dims for a score, over keys for an output), the same in vector lanes and in
/// the scalar tail, so the bits depend on neither the vector width nor the thread count.
/// </summary>
internal static class AttentionTiles
{
    /// <summary>Keys per block: a score row is 4 Vector512 or 8 Vector256.</summary>
    public const int KeyBlock = 64;

    /// <summary>
    /// K^T panels of one kv head: panel p holds keys [p*64, p*64+64) as [dim][64], zeros past the last key, so the
    /// score tile reads one contiguous vector per (dim, 16 keys).
    /// </summary>
    public static void PackKeys(ReadOnlySpan<float> keys, int keyCount, int dim, Span<float> panel)
    {
        panel.Clear();
        for (int j = 0; j < keyCount; j++)
        {
            var row = keys.Slice(j * dim, dim);
            for (int d = 0; d < dim; d++) panel[d * KeyBlock + j] = row[d];
        }
    }

    /// <summary>
    /// s[r][j] = sum_d q_r[d] * panel[d][j] for the four rows q0..q3 (each <paramref name="dim"/> long) and all 64
    /// keys of the panel; s holds four rows of 64.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Scores<TL, TV>(ref float q0, ref float q1, ref float q2, ref float q3, ref float panel, int dim, ref float s)
        where TL : IAttentionLanes<TV> where TV : struct
    {
        int c = TL.Count;
        for (int jc = 0; jc < KeyBlock; jc += 4 * c)
        {
            TV a00 = TL.Zero, a01 = TL.Zero, a02 = TL.Zero, a03 = TL.Zero;
            TV a10 = TL.Zero, a11 = TL.Zero, a12 = TL.Zero, a13 = TL.Zero;
            TV a20 = TL.Zero, a21 = TL.Zero, a22 = TL.Zero, a23 = TL.Zero;
            TV a30 = TL.Zero, a31 = TL.Zero, a32 = TL.Zero, a33 = TL.Zero;
            ref float k = ref Unsafe.Add(ref panel, jc);
            for (int d = 0; d < dim; d++)
            {
                ref float kd = ref Unsafe.Add(ref k, d * KeyBlock);
                TV k0 = TL.Load(ref kd), k1 = TL.Load(ref Unsafe.Add(ref kd, c));
                TV k2 = TL.Load(ref Unsafe.Add(ref kd, 2 * c)), k3 = TL.Load(ref Unsafe.Add(ref kd, 3 * c));
                TV x = TL.Broadcast(Unsafe.Add(ref q0, d));
                a00 = TL.MultiplyAdd(x, k0, a00); a01 = TL.MultiplyAdd(x, k1, a01); a02 = TL.MultiplyAdd(x, k2, a02); a03 = TL.MultiplyAdd(x, k3, a03);
                x = TL.Broadcast(Unsafe.Add(ref q1, d));
                a10 = TL.MultiplyAdd(x, k0, a10); a11 = TL.MultiplyAdd(x, k1, a11); a12 = TL.MultiplyAdd(x, k2, a12); a13 = TL.MultiplyAdd(x, k3, a13);
                x = TL.Broadcast(Unsafe.Add(ref q2, d));
                a20 = TL.MultiplyAdd(x, k0, a20); a21 = TL.MultiplyAdd(x, k1, a21); a22 = TL.MultiplyAdd(x, k2, a22); a23 = TL.MultiplyAdd(x, k3, a23);
                x = TL.Broadcast(Unsafe.Add(ref q3, d));
                a30 = TL.MultiplyAdd(x, k0, a30); a31 = TL.MultiplyAdd(x, k1, a31); a32 = TL.MultiplyAdd(x, k2, a32); a33 = TL.MultiplyAdd(x, k3, a33);
            }
            ref float s0 = ref Unsafe.Add(ref s, jc);
            Store4<TL, TV>(ref s0, c, a00, a01, a02, a03);
            Store4<TL, TV>(ref Unsafe.Add(ref s0, KeyBlock), c, a10, a11, a12, a13);
            Store4<TL, TV>(ref Unsafe.Add(ref s0, 2 * KeyBlock), c, a20, a21, a22, a23);
            Store4<TL, TV>(ref Unsafe.Add(ref s0, 3 * KeyBlock), c, a30, a31, a32, a33);
        }
    }

    /// <summary>
    /// o_r[d] += sum_j p_r[j] * v[j][d] over keys j &lt; <paramref name="keys"/> for four rows: p rows are 64 apart,
    /// o rows and v rows <paramref name="dim"/> apart. Dims go 4 vectors at a time, then 1 vector, then scalars.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Accumulate<TL, TV>(ref float p, ref float v, int keys, int dim, ref float o)
        where TL : IAttentionLanes<TV> where TV : struct
    {
        int c = TL.Count;
        ref float p1 = ref Unsafe.Add(ref p, KeyBlock);
        ref float p2 = ref Unsafe.Add(ref p, 2 * KeyBlock);
        ref float p3 = ref Unsafe.Add(ref p, 3 * KeyBlock);
        ref float o1 = ref Unsafe.Add(ref o, dim);
        ref float o2 = ref Unsafe.Add(ref o, 2 * dim);
        ref float o3 = ref Unsafe.Add(ref o, 3 * dim);
        int d0 = 0;
        for (; d0 + 4 * c <= dim; d0 += 4 * c)
        {
            ref float r0 = ref Unsafe.Add(ref o, d0), r1 = ref Unsafe.Add(ref o1, d0);
            ref float r2 = ref Unsafe.Add(ref o2, d0), r3 = ref Unsafe.Add(ref o3, d0);
            TV a00 = TL.Load(ref r0), a01 = TL.Load(ref Unsafe.Add(ref r0, c)), a02 = TL.Load(ref Unsafe.Add(ref r0, 2 * c)), a03 = TL.Load(ref Unsafe.Add(ref r0, 3 * c));
            TV a10 = TL.Load(ref r1), a11 = TL.Load(ref Unsafe.Add(ref r1, c)), a12 = TL.Load(ref Unsafe.Add(ref r1, 2 * c)), a13 = TL.Load(ref Unsafe.Add(ref r1, 3 * c));
            TV a20 = TL.Load(ref r2), a21 = TL.Load(ref Unsafe.Add(ref r2, c)), a22 = TL.Load(ref Unsafe.Add(ref r2, 2 * c)), a23 = TL.Load(ref Unsafe.Add(ref r2, 3 * c));
            TV a30 = TL.Load(ref r3), a31 = TL.Load(ref Unsafe.Add(ref r3, c)), a32 = TL.Load(ref Unsafe.Add(ref r3, 2 * c)), a33 = TL.Load(ref Unsafe.Add(ref r3, 3 * c));
            ref float vd = ref Unsafe.Add(ref v, d0);
            for (int j = 0; j < keys; j++)
            {
                ref float vj = ref Unsafe.Add(ref vd, j * dim);
                TV v0 = TL.Load(ref vj), v1 = TL.Load(ref Unsafe.Add(ref vj, c));
                TV v2 = TL.Load(ref Unsafe.Add(ref vj, 2 * c)), v3 = TL.Load(ref Unsafe.Add(ref vj, 3 * c));
                TV x = TL.Broadcast(Unsafe.Add(ref p, j));
                a00 = TL.MultiplyAdd(x, v0, a00); a01 = TL.MultiplyAdd(x, v1, a01); a02 = TL.MultiplyAdd(x, v2, a02); a03 = TL.MultiplyAdd(x, v3, a03);
                x = TL.Broadcast(Unsafe.Add(ref p1, j));
                a10 = TL.MultiplyAdd(x, v0, a10); a11 = TL.MultiplyAdd(x, v1, a11); a12 = TL.MultiplyAdd(x, v2, a12); a13 = TL.MultiplyAdd(x, v3, a13);
                x = TL.Broadcast(Unsafe.Add(ref p2, j));
                a20 = TL.MultiplyAdd(x, v0, a20); a21 = TL.MultiplyAdd(x, v1, a21); a22 = TL.MultiplyAdd(x, v2, a22); a23 = TL.MultiplyAdd(x, v3, a23);
                x = TL.Broadcast(Unsafe.Add(ref p3, j));
                a30 = TL.MultiplyAdd(x, v0, a30); a31 = TL.MultiplyAdd(x, v1, a31); a32 = TL.MultiplyAdd(x, v2, a32); a33 = TL.MultiplyAdd(x, v3, a33);
            }
            Store4<TL, TV>(ref r0, c, a00, a01, a02, a03);
            Store4<TL, TV>(ref r1, c, a10, a11, a12, a13);
            Store4<TL, TV>(ref r2, c, a20, a21, a22, a23);
            Store4<TL, TV>(ref r3, c, a30, a31, a32, a33);
        }
        for (; d0 + c <= dim; d0 += c)
        {
            ref float r0 = ref Unsafe.Add(ref o, d0), r1 = ref Unsafe.Add(ref o1, d0);
            ref float r2 = ref Unsafe.Add(ref o2, d0), r3 = ref Unsafe.Add(ref o3, d0);
            TV a0 = TL.Load(ref r0), a1 = TL.Load(ref r1), a2 = TL.Load(ref r2), a3 = TL.Load(ref r3);
            ref float vd = ref Unsafe.Add(ref v, d0);
            for (int j = 0; j < keys; j++)
            {
                TV vj = TL.Load(ref Unsafe.Add(ref vd, j * dim));
                a0 = TL.MultiplyAdd(TL.Broadcast(Unsafe.Add(ref p, j)), vj, a0);
                a1 = TL.MultiplyAdd(TL.Broadcast(Unsafe.Add(ref p1, j)), vj, a1);
                a2 = TL.MultiplyAdd(TL.Broadcast(Unsafe.Add(ref p2, j)), vj, a2);
                a3 = TL.MultiplyAdd(TL.Broadcast(Unsafe.Add(ref p3, j)), vj, a3);
            }
            TL.Store(a0, ref r0);
            TL.Store(a1, ref r1);
            TL.Store(a2, ref r2);
            TL.Store(a3, ref r3);
        }
        for (; d0 < dim; d0++)
        {
            float a0 = Unsafe.Add(ref o, d0), a1 = Unsafe.Add(ref o1, d0), a2 = Unsafe.Add(ref o2, d0), a3 = Unsafe.Add(ref o3, d0);
            for (int j = 0; j < keys; j++)
            {
                float vj = Unsafe.Add(ref v, j * dim + d0);
                a0 = MathF.FusedMultiplyAdd(Unsafe.Add(ref p, j), vj, a0);
                a1 = MathF.FusedMultiplyAdd(Unsafe.Add(ref p1, j), vj, a1);
                a2 = MathF.FusedMultiplyAdd(Unsafe.Add(ref p2, j), vj, a2);
                a3 = MathF.FusedMultiplyAdd(Unsafe.Add(ref p3, j), vj, a3);
            }
            Unsafe.Add(ref o, d0) = a0;
            Unsafe.Add(ref o1, d0) = a1;
            Unsafe.Add(ref o2, d0) = a2;
            Unsafe.Add(ref o3, d0) = a3;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store4<TL, TV>(ref float destination, int c, TV a0, TV a1, TV a2, TV a3)
        where TL : IAttentionLanes<TV> where TV : struct
    {
        TL.Store(a0, ref destination);
        TL.Store(a1, ref Unsafe.Add(ref destination, c));
        TL.Store(a2, ref Unsafe.Add(ref destination, 2 * c));
        TL.Store(a3, ref Unsafe.Add(ref destination, 3 * c));
    }
}
