using ILGPU;
using ILGPU.Algorithms;

namespace LlmLab.Backends.Ilgpu.Kernels;

/// <summary>
/// Merges the key splits of the tiled kernels (flash-decoding): with m* = max_s m_s,
/// out = sum_s 2^(m_s - m*) O_s / sum_s 2^(m_s - m*) l_s, zeros where no split saw a key. One thread per output.
/// </summary>
internal static class AttentionCombineKernel
{
    /// <param name="i">Output element: row * dim + d.</param>
    /// <param name="partial">[split][row][dim + 2]: unnormalised O, then m and l.</param>
    /// <param name="output">[row][dim].</param>
    /// <param name="rows">Batch * heads * queries.</param>
    /// <param name="dim">Head dim.</param>
    /// <param name="splits">Key splits.</param>
    public static void Combine(Index1D i, ArrayView<float> partial, ArrayView<float> output, int rows, int dim, int splits)
    {
        int row = i / dim, d = i - row * dim, stride = dim + 2;
        float max = float.NegativeInfinity;
        for (int s = 0; s < splits; s++)
            max = XMath.Max(max, partial[((long)s * rows + row) * stride + dim]);
        float numerator = 0, denominator = 0;
        if (max != float.NegativeInfinity)
            for (int s = 0; s < splits; s++)
            {
                long at = ((long)s * rows + row) * stride;
                float w = XMath.Exp2(partial[at + dim] - max);
                numerator += w * partial[at + d];
                denominator += w * partial[at + dim + 1];
            }
        output[i] = denominator > 0 ? numerator / denominator : 0f;
    }
}
