using System.Runtime.CompilerServices;
namespace LlmLab.Backends.Cpu.Kernels;

/// <summary>Row gather: output row k is table row ids[k] (ids already checked against the vocabulary).</summary>
internal static class Embedding
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Gather<TId>(ReadOnlySpan<float> table, ReadOnlySpan<TId> ids, int dim, long start, long end, Span<float> y)
        where TId : unmanaged, System.Numerics.IBinaryInteger<TId>
    {
        for (long k = start; k < end; k++)
        {
            long id = long.CreateTruncating(ids[(int)k]);
            table.Slice((int)(id * dim), dim).CopyTo(y.Slice((int)(k * dim), dim));
        }
    }

    /// <summary>
    /// Embedding backward for vocabulary rows [start, end): row v = the sum of gradOutput rows at positions
    /// order[offsets[v] .. offsets[v + 1]) (positions with id v, ascending), added in that order.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Scatter(ReadOnlySpan<float> gradOutput, ReadOnlySpan<int> order, ReadOnlySpan<int> offsets, int dim, long start, long end, Span<float> gradTable)
    {
        for (long v = start; v < end; v++)
        {
            var row = gradTable.Slice((int)(v * dim), dim);
            for (int k = offsets[(int)v]; k < offsets[(int)v + 1]; k++)
                System.Numerics.Tensors.TensorPrimitives.Add(row, gradOutput.Slice(order[k] * dim, dim), row);
        }
    }

    /// <summary>A counting sort of positions by id: order lists the positions of id 0, then id 1, ..., each ascending.</summary>
    public static (int[] Order, int[] Offsets) PositionsById(ReadOnlySpan<long> ids, int vocabularySize)
    {
        var offsets = new int[vocabularySize + 1];
        foreach (long id in ids) offsets[id + 1]++;
        for (int v = 0; v < vocabularySize; v++) offsets[v + 1] += offsets[v];
        var next = offsets[..^1];
        var order = new int[ids.Length];
        for (int k = 0; k < ids.Length; k++) order[next[ids[k]]++] = k;
        return (order, offsets);
    }
}
