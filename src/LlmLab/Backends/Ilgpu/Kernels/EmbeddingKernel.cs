using ILGPU;

namespace LlmLab.Backends.Ilgpu.Kernels;

/// <summary>
/// Row gather, one thread group per output row, consecutive threads copying consecutive floats (coalesced). Ids are
/// read as 32-bit words every idStride words: the low word of an i64 id, which the host has checked is in
/// [0, vocab).
/// </summary>
internal static class EmbeddingKernel
{
    public static void Gather(ArrayView<float> table, ArrayView<int> ids, int idStride, int dim, ArrayView<float> y)
    {
        long k = Grid.IdxX;
        long from = (long)ids[k * idStride] * dim, to = k * dim;
        for (int j = Group.IdxX; j < dim; j += Group.DimX)
            y[to + j] = table[from + j];
    }

    /// <summary>
    /// The gather from a quantised table, one group per output row, threads over the dimension, each value
    /// dequantised as the whole-table kernels do: int8 q / scale (the row's, or the one of a per-tensor
    /// <paramref name="perRow"/> 0), a Q8_0 q * fp16(d), a Q4_0 (nibble - 8) * fp16(d).
    /// </summary>
    public static void GatherQuantized(ArrayView<byte> table, int format, int rowBytes, ArrayView<float> scales, int perRow,
        ArrayView<int> ids, int idStride, int dim, ArrayView<float> y)
    {
        long k = Grid.IdxX;
        long row = ids[k * idStride];
        long from = row * rowBytes, to = k * dim;
        float scale = format == MatMulWeights.Int8 ? scales[perRow != 0 ? row : 0] : 1f;
        for (int j = Group.IdxX; j < dim; j += Group.DimX)
        {
            if (format == MatMulWeights.Int8)
            {
                y[to + j] = (sbyte)table[from + j] / scale;
                continue;
            }
            bool q4 = format == MatMulWeights.Q4_0;
            long o = from + j / 32 * (q4 ? 18 : 34);
            int i = j % 32, value;
            if (q4)
            {
                int packed = table[o + 2 + (i & 15)];
                value = (i < 16 ? packed & 15 : packed >> 4) - 8;
            }
            else value = (sbyte)table[o + 2 + i];
            y[to + j] = value * QuantBlockKernels.ReadHalf(table, o);
        }
    }

    /// <summary>
    /// Embedding backward, one group per vocabulary row v, threads over the dimension: the sum of gradOutput rows at
    /// positions order[offsets[v] .. offsets[v + 1]) (the positions with id v, ascending; sorted on the host), added
    /// in that order. No atomics; a row no id names is written as zeros.
    /// </summary>
    public static void Scatter(ArrayView<float> gradOutput, ArrayView<int> order, ArrayView<int> offsets, int dim, ArrayView<float> gradTable)
    {
        int v = Grid.IdxX;
        int first = offsets[v], last = offsets[v + 1];
        for (int j = Group.IdxX; j < dim; j += Group.DimX)
        {
            float s = 0f;
            for (int k = first; k < last; k++) s += gradOutput[(long)order[k] * dim + j];
            gradTable[(long)v * dim + j] = s;
        }
    }
}
