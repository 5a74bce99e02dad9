using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Serialization;
using LlmLab.Backends;
using LlmLab.Tensors;

namespace LlmLab.Benchmarks.Anchors;

/// <summary>
/// `LlmLab.Benchmarks anchors [--backend B] [--small] [--json FILE]`: first checks every op on the backend against the
/// cpu backend on random inputs (max |difference| against a stated tolerance), then times the docs/performance.md / issue 7
/// workloads (<see cref="AnchorTimings"/>: warm-up, median of repeats, synchronised before each clock read).
/// `--small` shrinks checks and workloads for a smoke run on ILGPU's CPU simulator. The PyTorch side is
/// benchmarks/anchors/torch_anchors.py (same workload names); benchmarks/anchors/compare.py joins the two JSON files
/// into one table beside the goals, and benchmarks/anchors/run-gpu.sh runs all three on a GPU machine.
/// Exit code 1 when a check fails (timings are written either way).
/// </summary>
public static class AnchorRun
{
    public static int Run(string[] args)
    {
        string name = Option(args, "--backend") ?? "auto";
        bool small = args.Contains("--small");
        string? json = Option(args, "--json");
        using var backend = Backend.Create(name);
        using var cpu = Backend.Create("cpu");
        string device = backend is LlmLab.Backends.Ilgpu.IlgpuBackend g ? g.Accelerator.Name : Environment.ProcessorCount + " cpu threads";
        Console.WriteLine($"backend {backend.Name} ({device}){(small ? ", small sizes" : "")}");

        var checks = new ConsistencyChecks(backend, cpu, small).Run();
        Console.WriteLine($"{"check",-64} {"max |diff|",12} {"tolerance",10} {"ms",9}  result");
        foreach (var c in checks)
            Console.WriteLine($"{c.Name,-64} {c.MaxDifference,12:E2} {c.Tolerance,10:E0} {c.Milliseconds,9:0}  {(c.Passed ? "ok" : "FAIL")}");

        var timings = new AnchorTimings(backend, small).Run();
        Console.WriteLine();
        Console.WriteLine($"{"workload",-60} {"median ms",10} {"throughput",18}");
        foreach (var t in timings)
            Console.WriteLine($"{t.Name,-60} {t.MedianMs,10:0.000} {(t.Error is null ? t.Throughput : "FAILED: " + t.Error),18}");

        if (json is not null)
            File.WriteAllText(json, JsonSerializer.Serialize(new { backend = backend.Name, device, small, checks, timings },
                new JsonSerializerOptions { WriteIndented = true, NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals }));
        return checks.All(c => c.Passed) ? 0 : 1;
    }

    /// <summary>
    /// Median wall time of <paramref name="op"/> in ms after <paramref name="warmups"/> untimed calls (the first call
    /// of a GPU kernel compiles it), synchronising before each clock read.
    /// </summary>
    public static double Median(IBackend backend, Func<Tensor?> op, int repeats, int warmups = 2)
    {
        for (int i = 0; i < warmups; i++) op()?.Dispose();
        backend.Synchronize();
        var times = new double[repeats];
        for (int i = 0; i < repeats; i++)
        {
            var watch = Stopwatch.StartNew();
            var y = op();
            backend.Synchronize();
            times[i] = watch.Elapsed.TotalMilliseconds;
            y?.Dispose();
        }
        Array.Sort(times);
        return times[repeats / 2];
    }

    private static string? Option(string[] args, string name)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }
}
