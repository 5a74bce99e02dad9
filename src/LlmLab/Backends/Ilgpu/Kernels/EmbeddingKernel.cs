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
}
