namespace LlmLab.Backends.Cpu;

/// <summary>
/// Static work splitting: [0, count) is cut into at most <see cref="Threads"/> contiguous ranges, one per worker.
/// Kernels compute each output from its inputs alone (no cross-range reductions), so the bits never depend on the
/// thread count; reductions that span ranges are done afterwards in a fixed order.
/// <para>
/// The ranges run on the calling thread and on Threads - 1 dedicated workers that spin briefly between jobs before
/// they sleep, as OpenMP's do. A training step issues hundreds of small parallel ops; waking thread-pool threads
/// for each (tens of microseconds a time) cost more than some of the ops themselves. Backends with the same thread
/// count share one pool; a call made while it is busy (a nested call, or another backend's on another thread) runs
/// its ranges one after another on its own thread: the same ranges, so the same bits.
/// </para>
/// </summary>
internal sealed class CpuParallel(int threads)
{
    private readonly Lazy<WorkerPool> _pool = new(() => WorkerPool.Shared(threads - 1));

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
        void Range(int w)
        {
            long start = count * w / workers, end = count * (w + 1) / workers;
            if (end > start) body(start, end);
        }
        if (!_pool.Value.TryRun(workers, Range))
            for (int w = 0; w < workers; w++) Range(w);
    }
}
