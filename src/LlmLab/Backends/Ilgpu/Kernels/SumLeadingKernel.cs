using ILGPU;

namespace LlmLab.Backends.Ilgpu.Kernels;

/// <summary>
/// Sum of the rows of x [rows, n], no atomics: a group owns <see cref="Columns"/> consecutive columns (each warp reads
/// 32 consecutive floats of a row: coalesced) and <see cref="Lanes"/> row lanes; lane l adds rows l, l + Lanes, ...
/// in order, then the first lane adds the lanes' sums in order from shared memory. The order is fixed, so the bits
/// do not change from run to run.
/// </summary>
internal static class SumLeadingKernel
{
    public const int Columns = 32;
    public const int Lanes = 8;
    public const int GroupSize = Columns * Lanes;

    public static void SumRows(ArrayView<float> x, int rows, int n, ArrayView<float> total)
    {
        var partial = SharedMemory.Allocate<float>(GroupSize);
        int column = Grid.IdxX * Columns + Group.IdxX % Columns;
        int lane = Group.IdxX / Columns;
        float s = 0f;
        if (column < n)
            for (long r = lane; r < rows; r += Lanes)
                s += x[r * n + column];
        partial[Group.IdxX] = s;
        Group.Barrier();
        if (lane == 0 && column < n)
        {
            float sum = partial[Group.IdxX];
            for (int l = 1; l < Lanes; l++) sum += partial[l * Columns + Group.IdxX];
            total[column] = sum;
        }
    }
}
