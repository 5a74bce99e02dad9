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
}
