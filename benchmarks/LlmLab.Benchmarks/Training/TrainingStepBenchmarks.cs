using BenchmarkDotNet.Attributes;
using LlmLab.Backends;
using LlmLab.Backends.Cpu;

namespace LlmLab.Benchmarks.Training;

/// <summary>
/// One training step of the docs/performance.md models on the cpu backend at 1 and 2 threads (tokens/s = tokens per step /
/// the mean; `training` prints that table directly). The reference is llm.c on the same machine (docs/performance.md).
/// </summary>
public class TrainingStepBenchmarks
{
    private TrainingWorkload _workload = null!;

    [ParamsSource(nameof(ModelNames))]
    public string Model { get; set; } = "4L-128W-T64-B12";

    [Params(1, 2)]
    public int Threads { get; set; }

    public static IEnumerable<string> ModelNames => TrainingWorkload.Models.Keys;

    [GlobalSetup]
    public void Setup() => _workload = new TrainingWorkload(new CpuBackend(Threads), Model);

    [GlobalCleanup]
    public void Cleanup() => _workload.Dispose();

    [Benchmark]
    public float Step() => _workload.Step().Loss;
}
