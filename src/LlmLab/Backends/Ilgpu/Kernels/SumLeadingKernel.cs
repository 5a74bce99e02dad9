using ILGPU;
using ILGPU.Algorithms;

namespace LlmLab.Backends.Ilgpu.Kernels;

/// <summary>
/// Sum of the rows of x [rows, n], no atomics. Group (x, y) owns <see cref="Columns"/> consecutive columns (each warp
/// reads 32 consecutive floats of a row: coalesced), <see cref="Lanes"/> row lanes and chunk y of the rows; lane l
/// adds the chunk's rows l, l + Lanes, ... in order, then the first lane adds the lanes' sums in order from shared
/// memory. A bias gradient has few columns (384) and many rows (16,384 tokens): one chunk would be 12 groups for
/// the whole GPU, so the host cuts the rows into chunks and <see cref="SumChunks"/> adds the chunks' sums in chunk
/// order. The order is fixed, so the bits do not change from run to run.
/// </summary>
internal static class SumLeadingKernel
{
    public const int Columns = 32;
    public const int Lanes = 8;
    public const int GroupSize = Columns * Lanes;

    /// <summary>total[y * n + column] = the sum of rows [y * chunkRows, (y + 1) * chunkRows) of each column.</summary>
    public static void SumRows(ArrayView<float> x, int rows, int n, int chunkRows, ArrayView<float> total)
    {
        var partial = SharedMemory.Allocate<float>(GroupSize);
        int column = Grid.IdxX * Columns + Group.IdxX % Columns;
        int lane = Group.IdxX / Columns;
        long first = (long)Grid.IdxY * chunkRows, last = XMath.Min(rows, first + chunkRows);
        float s = 0f;
        if (column < n)
            for (long r = first + lane; r < last; r += Lanes)
                s += x[r * n + column];
        partial[Group.IdxX] = s;
        Group.Barrier();
        if (lane == 0 && column < n)
        {
            float sum = partial[Group.IdxX];
            for (int l = 1; l < Lanes; l++) sum += partial[l * Columns + Group.IdxX];
            total[(long)Grid.IdxY * n + column] = sum;
        }
    }

    /// <summary>y[column] = the chunks' sums of the column, added in chunk order.</summary>
    public static void SumChunks(Index1D column, ArrayView<float> chunkSums, int chunks, int n, ArrayView<float> y)
    {
        float sum = chunkSums[column];
        for (int c = 1; c < chunks; c++) sum += chunkSums[(long)c * n + column];
        y[column] = sum;
    }
}
