using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace LlmLab.Benchmarks;

/// <summary>
/// BenchmarkDotNet over every kernel. Extra flags: --quick (few short iterations: a smoke run in seconds per case),
/// --inProcess (no child build: the GPU machine has a runtime but no SDK). Backends come from LLMLAB_BENCH_BACKENDS
/// (comma-separated, default "cpu" plus "cuda" where a CUDA device exists). `anchors` runs the GPU check and the
/// docs/performance.md timings instead (see Anchors/AnchorRun.cs); `training` prints training-step tokens/s (Training/TrainingRun.cs); `inference` times a GPT-2-124M-shaped
/// forward pass and greedy decoding in f32, int8, Q8_0 and Q4_0 (Inference/InferenceRun.cs); `load-memory` the resident
/// memory of loaded quantised folders of that model against their files (Inference/LoadMemoryRun.cs).
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "anchors") return Anchors.AnchorRun.Run(args[1..]);
        if (args.Length > 0 && args[0] == "training") return Training.TrainingRun.Run(args[1..]);
        if (args.Length > 0 && args[0] == "inference") return Inference.InferenceRun.Run(args[1..]);
        if (args.Length > 0 && args[0] == "load-memory") return Inference.LoadMemoryRun.Run(args[1..]);
        bool quick = args.Contains("--quick");
        bool inProcess = args.Contains("--inProcess") || args.Contains("--inprocess");
        var rest = args.Where(a => a is not ("--quick" or "--inProcess" or "--inprocess")).ToArray();

        var job = quick
            ? Job.Default.WithWarmupCount(1).WithIterationCount(3).WithLaunchCount(1).WithInvocationCount(1).WithUnrollFactor(1)
            : Job.Default.WithWarmupCount(3).WithIterationCount(10).WithLaunchCount(1);
        // Kernels are measured fully optimised from the first call (quick runs end before tiering would finish):
        // the csproj says so for in-process runs, the environment for the child processes BenchmarkDotNet builds.
        job = inProcess
            ? job.WithToolchain(InProcessEmitToolchain.Instance)
            : job.WithEnvironmentVariable("DOTNET_TieredCompilation", "0");

        var config = DefaultConfig.Instance.AddJob(job.AsDefault()).WithOptions(ConfigOptions.JoinSummary);
        var summaries = BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(rest, config);
        return summaries.Any(s => s.HasCriticalValidationErrors || s.Reports.Any(r => !r.Success)) ? 1 : 0;
    }
}
