using LlmLab.Backends.Cpu;
using LlmLab.Backends.Ilgpu;

namespace LlmLab.Backends;

/// <summary>Creates backends by name: in code, or from the LLMLAB_BACKEND environment variable.</summary>
public static class Backend
{
    public const string EnvironmentVariable = "LLMLAB_BACKEND";

    /// <summary>Every name <see cref="Create"/> takes.</summary>
    public static IReadOnlyList<string> Names { get; } = ["auto", "cpu", "cuda", "opencl", "ilgpu-cpu"];

    /// <summary>
    /// cpu, cuda, opencl, ilgpu-cpu, or auto (cuda, then opencl, then cpu). Asking for a GPU backend where no such
    /// device exists is an error, not a silent fallback.
    /// </summary>
    public static IBackend Create(string name, int? threads = null) => name.Trim().ToLowerInvariant() switch
    {
        "cpu" => new CpuBackend(threads),
        "ilgpu-cpu" => IlgpuBackend.CreateCpuSimulator(),
        "cuda" => IlgpuBackend.CreateCuda() ?? throw new BackendUnavailableException("cuda", "no CUDA device was found (ILGPU saw none through libcuda)"),
        "opencl" => IlgpuBackend.CreateOpenCL() ?? throw new BackendUnavailableException("opencl", "no OpenCL device that ILGPU can use was found"),
        "auto" => IlgpuBackend.CreateCuda() ?? IlgpuBackend.CreateOpenCL() ?? (IBackend)new CpuBackend(threads),
        _ => throw new ArgumentException(
            $"unknown backend '{name}'; choose one of {string.Join(", ", Names)}" + Suggest(name)),
    };

    /// <summary>The backend LLMLAB_BACKEND names, or <paramref name="fallback"/> when it is unset.</summary>
    public static IBackend FromEnvironment(string fallback = "cpu")
    {
        string? name = Environment.GetEnvironmentVariable(EnvironmentVariable);
        return Create(string.IsNullOrWhiteSpace(name) ? fallback : name);
    }

    private static string Suggest(string name) =>
        EditDistance.Closest(name, Names, maxDistance: 2) is { } best ? $" (did you mean '{best}'?)" : "";
}

/// <summary>A backend was asked for by name but this machine cannot provide it.</summary>
public sealed class BackendUnavailableException(string name, string reason)
    : Exception($"backend '{name}' is not available: {reason}")
{
    public string BackendName { get; } = name;
}
