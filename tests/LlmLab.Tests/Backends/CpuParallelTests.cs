using LlmLab.Backends.Cpu;

namespace LlmLab.Tests.Backends;

/// <summary>The cpu backend's work splitting: every index once, nested calls, failures, and concurrent callers.</summary>
public class CpuParallelTests
{
    [Fact]
    public void Every_index_runs_once_in_static_ranges()
    {
        var parallel = new CpuParallel(2);
        var hits = new int[1001];
        parallel.For(hits.Length, 1e6, (start, end) =>
        {
            for (long i = start; i < end; i++) Interlocked.Increment(ref hits[i]);
        });
        Assert.All(hits, h => Assert.Equal(1, h));
    }

    [Fact]
    public void A_nested_call_runs_its_ranges_on_the_calling_thread()
    {
        var parallel = new CpuParallel(2);
        var sums = new long[2];
        parallel.For(2, 1e6, (start, end) =>
        {
            for (long outer = start; outer < end; outer++)
            {
                long local = 0;
                parallel.For(100, 1e6, (s, e) => Interlocked.Add(ref local, Enumerable.Range((int)s, (int)(e - s)).Sum()));
                sums[outer] = local;
            }
        });
        Assert.Equal([4950L, 4950L], sums);
    }

    [Fact]
    public void An_exception_in_a_worker_reaches_the_caller()
    {
        var parallel = new CpuParallel(2);
        var e = Assert.Throws<InvalidOperationException>(() => parallel.For(2, 1e6, (start, _) =>
        {
            if (start == 1) throw new InvalidOperationException("from the second range");
        }));
        Assert.Equal("from the second range", e.Message);
        // The pool is still usable afterwards.
        long total = 0;
        parallel.For(10, 1e6, (s, end) => Interlocked.Add(ref total, end - s));
        Assert.Equal(10, total);
    }

    [Fact]
    public void Concurrent_callers_all_finish_with_their_own_results()
    {
        var parallel = new CpuParallel(2);
        var results = new long[8];
        System.Threading.Tasks.Parallel.For(0, results.Length, caller =>
        {
            for (int repeat = 0; repeat < 50; repeat++)
            {
                long total = 0;
                parallel.For(1000, 1e6, (s, e) => Interlocked.Add(ref total, e - s));
                results[caller] += total;
            }
        });
        Assert.All(results, r => Assert.Equal(50_000, r));
    }
}
