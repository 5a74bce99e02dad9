using System.Runtime.ExceptionServices;

namespace LlmLab.Backends.Cpu;

/// <summary>
/// Background threads that each run one part of a job: part 0 runs on the caller, parts 1 .. n - 1 on workers
/// 0 .. n - 2. Every worker acknowledges every job (those without a part just count down), so none can lag a job
/// behind. Between jobs a worker spins for a short while - the next op usually comes within microseconds - then
/// sleeps, so an idle pool costs no CPU. An exception in any part is rethrown on the caller once all parts end.
/// </summary>
internal sealed class WorkerPool
{
    private const int SpinIterations = 20_000;   // tens of microseconds before a worker sleeps

    private static readonly Dictionary<int, WorkerPool> Pools = new();

    private readonly SemaphoreSlim[] _wake;
    private readonly int[] _sleeping;
    private Action<int>? _job;
    private int _parts;
    private long _generation;
    private int _pending;
    private Exception? _failure;
    private int _busy;

    /// <summary>The process's pool of this many workers (created on first use; its threads live as long as the process).</summary>
    public static WorkerPool Shared(int workers)
    {
        lock (Pools)
        {
            if (!Pools.TryGetValue(workers, out var pool)) Pools[workers] = pool = new WorkerPool(workers);
            return pool;
        }
    }

    private WorkerPool(int workers)
    {
        _wake = new SemaphoreSlim[workers];
        _sleeping = new int[workers];
        for (int i = 0; i < workers; i++)
        {
            _wake[i] = new SemaphoreSlim(0);
            int index = i;
            new Thread(() => Work(index)) { IsBackground = true, Name = $"llmlab-cpu-{index + 1}" }.Start();
        }
    }

    /// <summary>
    /// Runs part(0 .. parts - 1), part 0 on the calling thread, and returns true when every part is done; returns
    /// false at once, running nothing, when the pool is already running a job.
    /// </summary>
    public bool TryRun(int parts, Action<int> part)
    {
        if (Interlocked.Exchange(ref _busy, 1) != 0) return false;
        try
        {
            Run(parts, part);
            return true;
        }
        finally
        {
            Volatile.Write(ref _busy, 0);
        }
    }

    private void Run(int parts, Action<int> part)
    {
        if (parts - 1 > _wake.Length) throw new ArgumentOutOfRangeException(nameof(parts), parts, $"the pool has {_wake.Length} workers");
        _job = part;
        _parts = parts;
        _failure = null;
        Volatile.Write(ref _pending, _wake.Length);
        Interlocked.Increment(ref _generation);   // a full fence: the job is visible before any worker sees the generation
        for (int i = 0; i < _wake.Length; i++)
            if (Volatile.Read(ref _sleeping[i]) != 0) _wake[i].Release();
        Execute(part, 0);
        var spin = new SpinWait();
        while (Volatile.Read(ref _pending) != 0) spin.SpinOnce(sleep1Threshold: -1);
        _job = null;
        if (_failure is { } failure) ExceptionDispatchInfo.Throw(failure);
    }

    private void Work(int index)
    {
        long seen = 0;
        while (true)
        {
            int spins = 0;
            while (Volatile.Read(ref _generation) == seen)
            {
                if (++spins < SpinIterations)
                {
                    Thread.SpinWait(1);
                    continue;
                }
                // Announce the sleep (a full fence), then look once more: a job posted in between is not missed; a
                // wake-up left over from such a race only costs one extra look.
                Interlocked.Exchange(ref _sleeping[index], 1);
                if (Volatile.Read(ref _generation) == seen) _wake[index].Wait();
                Interlocked.Exchange(ref _sleeping[index], 0);
                spins = 0;
            }
            seen++;
            if (index + 1 < _parts) Execute(_job!, index + 1);
            Interlocked.Decrement(ref _pending);
        }
    }

    private void Execute(Action<int> part, int index)
    {
        try
        {
            part(index);
        }
        catch (Exception e)
        {
            Interlocked.CompareExchange(ref _failure, e, null);
        }
    }
}
