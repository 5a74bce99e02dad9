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
