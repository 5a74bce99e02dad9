using System.Globalization;
using LlmLab.Backends;
using LlmLab.Backends.Cpu;
using Spectre.Console;

namespace LlmLab.Benchmarks.Training;

/// <summary>
/// `training [--steps N] [--backend B]`: tokens/s of a training step for each docs/performance.md model, at 1 and 2 threads
/// on cpu (or once on another backend): warm-up steps, then the median of N timed steps, beside llm.c's figure on
/// the 2-core development machine.
/// </summary>
public static class TrainingRun
{
    private static readonly Dictionary<(string, int), double> LlmC = new()
    {
        [("4L-128W-T64-B12", 2)] = 6113, [("4L-128W-T64-B12", 1)] = 3993,
        [("6L-384W-T256-B8", 2)] = 438, [("6L-384W-T256-B8", 1)] = 304,
    };

    public static int Run(string[] args)
    {
        int steps = 20;
        string backendName = "cpu";
        for (int i = 0; i < args.Length; i++)
        {
            if (args[i] == "--steps" && i + 1 < args.Length && int.TryParse(args[++i], out steps) && steps > 0) continue;
            if (args[i] == "--backend" && i + 1 < args.Length) { backendName = args[++i]; continue; }
            Console.Error.WriteLine($"training: unknown or bad argument '{args[i]}'; usage: training [--steps N] [--backend NAME]");
            return 2;
        }
        var table = new Table().AddColumns("model", "backend", "threads", "ms/step (median)", "tokens/s", "llm.c tokens/s", "ratio");
        foreach (string model in TrainingWorkload.Models.Keys)
            foreach (int threads in backendName == "cpu" ? new[] { 2, 1 } : [0])
            {
                IBackend backend = backendName == "cpu" ? new CpuBackend(threads) : Backend.Create(backendName);
                using var workload = new TrainingWorkload(backend, model);
                int warmup = 3;
                var times = new List<double>();
                for (int s = 0; s < warmup + steps; s++)
                {
                    var report = workload.Step();
                    if (s >= warmup) times.Add(report.Milliseconds);
                }
                times.Sort();
                double median = times[times.Count / 2], tokensPerSecond = workload.TokensPerStep / (median / 1000);
                bool anchored = LlmC.TryGetValue((model, threads), out double llmc);
                table.AddRow(model, backend.Name, threads == 0 ? "-" : threads.ToString(), median.ToString("F1", CultureInfo.InvariantCulture),
                    tokensPerSecond.ToString("F0", CultureInfo.InvariantCulture), anchored ? llmc.ToString("F0") : "-",
                    anchored ? (tokensPerSecond / llmc).ToString("F2", CultureInfo.InvariantCulture) + "x" : "-");
                Console.Error.WriteLine($"{model} threads {threads}: {median:F1} ms, {tokensPerSecond:F0} tok/s");
            }
        AnsiConsole.Write(table);
        return 0;
    }
}
