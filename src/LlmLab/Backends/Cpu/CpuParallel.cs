namespace LlmLab.Backends.Cpu;

/// <summary>
/// Static work splitting: [0, count) is cut into at most <see cref="Threads"/> contiguous ranges, one per worker.
/// Kernels compute each output from its inputs alone (no cross-range reductions), so the bits never depend on the
/// thread count; reductions that span ranges are done afterwards in a fixed order.
/// </summary>
internal sealed class CpuParallel(int threads)
{
    public int Threads { get; } = threads;

    /// <summary>
    /// Runs body(start, end) over [0, count). <paramref name="costPerItem"/> (rough flops) keeps small jobs on
    /// the calling thread, where a fork would cost more than it saves.
    /// </summary>
    public void For(long count, double costPerItem, Action<long, long> body)
    {
        const double MinWorkPerThread = 32_000;
        int workers = (int)Math.Min(Threads, Math.Max(1, Math.Min(count, count * costPerItem / MinWorkPerThread)));
        if (workers <= 1)
        {
            if (count > 0) body(0, count);
            return;
        }
        Parallel.For(0, workers, new ParallelOptions { MaxDegreeOfParallelism = workers }, w =>
        {
            long start = count * w / workers, end = count * (w + 1) / workers;
            if (end > start) body(start, end);
        });
    }
}
