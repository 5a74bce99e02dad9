namespace LlmLab.Tensors;

/// <summary>
/// The bytes of tensor storage a backend holds: now, and at most since the last <see cref="ResetPeak"/> (what
/// torch.cuda.memory_allocated and max_memory_allocated report). Every storage counts from its allocation to its
/// Dispose; memory the cpu backend keeps pooled for reuse, or a forgotten storage the GC has not yet taken, is not
/// (or still) counted, so the figures are the tensors a computation holds, not the process's footprint.
/// </summary>
public sealed class MemoryMeter
{
    private long _live, _peak;

    public long LiveBytes => Interlocked.Read(ref _live);
    public long PeakBytes => Interlocked.Read(ref _peak);

    /// <summary>Starts a new peak from what is held now.</summary>
    public void ResetPeak() => Interlocked.Exchange(ref _peak, LiveBytes);

    internal void Allocated(long bytes)
    {
        long live = Interlocked.Add(ref _live, bytes);
        for (long peak = Interlocked.Read(ref _peak); live > peak; peak = Interlocked.Read(ref _peak))
            if (Interlocked.CompareExchange(ref _peak, live, peak) == peak) break;
    }

    internal void Freed(long bytes) => Interlocked.Add(ref _live, -bytes);
}
