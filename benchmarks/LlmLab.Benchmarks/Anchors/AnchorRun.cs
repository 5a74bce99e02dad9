using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Serialization;
using LlmLab.Backends;
using LlmLab.Tensors;

namespace LlmLab.Benchmarks.Anchors;

/// <summary>
/// `LlmLab.Benchmarks anchors [--backend B] [--small] [--json FILE]`: first checks every op on the backend against the
/// cpu backend on random inputs (max |difference| against a stated tolerance), then times the ANCHORS.md workloads
/// (warm-up, median of repeats, synchronised before each clock read). The PyTorch side is benchmarks/anchors/
/// torch_anchors.py; benchmarks/anchors/run-gpu.sh runs both and prints them side by side.
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
        Console.WriteLine($"backend {backend.Name}{(backend is LlmLab.Backends.Ilgpu.IlgpuBackend g ? $" ({g.Accelerator.Name})" : "")}");

        var checks = new ConsistencyChecks(backend, cpu).Run();
        Console.WriteLine($"{"check",-44} {"max |diff|",12} {"tolerance",10}  result");
        foreach (var c in checks)
            Console.WriteLine($"{c.Name,-44} {c.MaxDifference,12:E2} {c.Tolerance,10:E0}  {(c.Passed ? "ok" : "FAIL")}");

        var timings = new AnchorTimings(backend, small).Run();
        Console.WriteLine();
        Console.WriteLine($"{"workload",-52} {"median ms",10} {"throughput",22}");
        foreach (var t in timings)
            Console.WriteLine($"{t.Name,-52} {t.MedianMs,10:0.000} {t.Throughput,22}");

        if (json is not null)
            File.WriteAllText(json, JsonSerializer.Serialize(new { backend = backend.Name, checks, timings }, new JsonSerializerOptions { WriteIndented = true, NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals }));
        return checks.All(c => c.Passed) ? 0 : 1;
    }

    /// <summary>Median wall time of <paramref name="op"/> in ms after warm-up, synchronising before each clock read.</summary>
    public static double Median(IBackend backend, Func<Tensor?> op, int repeats)
    {
        for (int i = 0; i < 2; i++) op()?.Dispose();
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
