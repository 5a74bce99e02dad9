using LlmLab.Backends;

namespace LlmLab.Cli.Engine;

/// <summary>The <c>--backend</c> option the model commands share: a name <see cref="Backend.Create"/> takes.</summary>
internal static class BackendOption
{
    public const string Name = "--backend";

    public const string Help = "  --backend NAME        cpu (default), ilgpu-cpu, cuda, opencl or auto; LLMLAB_BACKEND sets the default";

    /// <summary>The backend named by the option, else by LLMLAB_BACKEND, else cpu.</summary>
    public static IBackend Create(string? name) => UserErrors.Run(() =>
        name is null ? Backend.FromEnvironment("cpu") : Backend.Create(name));
}
