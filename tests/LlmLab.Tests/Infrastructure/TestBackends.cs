using LlmLab.Backends;
using LlmLab.Backends.Cpu;

namespace LlmLab.Tests.Infrastructure;

/// <summary>
/// The backends every kernel test runs on, created once: the cpu backend with every core, the cpu backend with one
/// thread (for determinism checks), and ILGPU's CPU simulator standing in for the GPU. Tests that use them join the
/// "backends" collection, so one test at a time drives the simulator.
/// </summary>
public static class TestBackends
{
    private static readonly Lazy<CpuBackend> Cpu = new(() => new CpuBackend());
    private static readonly Lazy<CpuBackend> CpuSingleThread = new(() => new CpuBackend(threads: 1));
    private static readonly Lazy<IBackend> IlgpuCpu = new(() => Backend.Create("ilgpu-cpu"));

    /// <summary>Backend names for [MemberData]: each kernel test runs once per entry.</summary>
    public static TheoryData<string> All => new() { "cpu", "ilgpu-cpu" };

    public static IBackend Get(string name) => name switch
    {
        "cpu" => Cpu.Value,
        "cpu-1" => CpuSingleThread.Value,
        "ilgpu-cpu" => IlgpuCpu.Value,
        _ => throw new ArgumentException($"no test backend '{name}'"),
    };

    /// <summary>The cpu backend with a given thread count (2 is the CI machine's core count).</summary>
    public static CpuBackend CpuWithThreads(int threads) => threads == 1 ? CpuSingleThread.Value : new CpuBackend(threads);
}

[CollectionDefinition("backends", DisableParallelization = true)]
public sealed class BackendsCollection;
