using System.Runtime.CompilerServices;

namespace LlmLab.Backends.Cpu.Kernels;

/// <summary>
/// Sum of the rows of a [rows, n] block, column by column: each column is added row 0, 1, 2, ... in that order, so
/// splitting the columns between threads never changes a bit. Elementwise adds are the same in every vector lane.
/// </summary>
internal static class ColumnSum
{
    /// <summary>Columns summed together, so the partial row stays in L1 while the rows stream past.</summary>
    public const int Tile = 256;

    /// <summary>total[c - from] = sum over r of x[r * n + c] for columns [from, to).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Sum(ReadOnlySpan<float> x, long rows, int n, int from, int to, Span<float> total)
    {
        int width = to - from;
        total[..width].Clear();
        for (long r = 0; r < rows; r++)
        {
            var row = x.Slice((int)(r * n) + from, width);
            System.Numerics.Tensors.TensorPrimitives.Add(total[..width], row, total[..width]);
        }
    }
}
