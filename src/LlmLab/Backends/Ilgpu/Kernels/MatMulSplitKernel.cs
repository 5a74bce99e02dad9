using ILGPU;

namespace LlmLab.Backends.Ilgpu.Kernels;

/// <summary>
/// The second pass of a split-K matmul: C[b] = the splits' partial products of batch b, added in split order (no
/// atomics, so the bits are the same every run), then the bias, then what C held when accumulating. A product with
/// few output tiles and a long k (a weight gradient: 384 x 384 over 16,384 tokens is 9 big tiles for 132
/// multiprocessors) keeps the whole GPU busy this way, at the cost of one pass over splits x M x N partial sums.
/// </summary>
internal static class MatMulSplitKernel
{
    /// <summary>One thread per output element e of batch e / (M N); the workspace holds [batch, splits, M, N].</summary>
    public static void Reduce(Index1D e, ArrayView<float> partials, ArrayView<float> bias, ArrayView<float> c, MatMulArgs p)
    {
        long size = (long)p.M * p.N;
        long batch = e / size, at = e % size;
        long first = batch * p.Splits * size + at;
        float sum = partials[first];
        for (int s = 1; s < p.Splits; s++) sum += partials[first + s * size];
        if (p.HasBias != 0) sum += bias[at % p.N];
        long to = (p.BatchStart + batch) * p.CBatch + at;
        if (p.Accumulate != 0) sum += c[to];
        c[to] = sum;
    }
}
