namespace LlmLab.Backends.Cpu.Kernels;

/// <summary>
/// Sum of squares in a fixed order: the input is cut into chunks of <see cref="Chunk"/> elements (a fixed
/// partition, whatever the thread count), each chunk summed in float by <see cref="SimdMath.Dot"/> (16 fixed FMA
/// lanes), and the chunk partials added in index order in double. One and two threads give the same bits.
/// </summary>
internal static class ChunkedSquares
{
    public const int Chunk = 4096;

    public static long Chunks(long count) => (count + Chunk - 1) / Chunk;

    /// <summary>partials[c] = sum of x^2 over chunk first + c, for every c in partials.</summary>
    public static void Partials(ReadOnlySpan<float> x, long first, Span<float> partials)
    {
        for (int c = 0; c < partials.Length; c++)
        {
            long start = (first + c) * Chunk;
            var chunk = x.Slice((int)start, (int)Math.Min(Chunk, x.Length - start));
            partials[c] = SimdMath.Dot(chunk, chunk);
        }
    }

    public static float Total(ReadOnlySpan<float> partials)
    {
        double total = 0;
        foreach (float p in partials) total += p;
        return (float)total;
    }
}
