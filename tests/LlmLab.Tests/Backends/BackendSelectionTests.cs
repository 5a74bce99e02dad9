using LlmLab.Backends;
using LlmLab.Backends.Cpu;

namespace LlmLab.Tests.Backends;

/// <summary>Choosing a backend by name and by LLMLAB_BACKEND, and the errors for names that cannot be served.</summary>
[Collection("backends")]
public class BackendSelectionTests
{
    [Fact]
    public void Names_give_the_backend_asked_for()
    {
        using var cpu = Backend.Create("CPU", threads: 3);
        Assert.Equal("cpu", cpu.Name);
        Assert.Equal(3, ((CpuBackend)cpu).Threads);
        using var simulator = Backend.Create("ilgpu-cpu");
        Assert.Equal("ilgpu-cpu", simulator.Name);
    }

    [Fact]
    public void An_unknown_name_lists_the_valid_ones_and_suggests_the_nearest()
    {
        var e = Assert.Throws<ArgumentException>(() => Backend.Create("cdua"));
        Assert.Contains("unknown backend 'cdua'", e.Message);
        Assert.Contains("ilgpu-cpu", e.Message);
        Assert.Contains("did you mean 'cuda'", e.Message);
    }

    [Fact]
    public void A_gpu_backend_that_is_not_there_is_an_error_not_a_fallback()
    {
        foreach (string name in new[] { "cuda", "opencl" })
        {
            try
            {
                using var backend = Backend.Create(name);
                Assert.Equal(name, backend.Name); // this machine has the device
            }
            catch (BackendUnavailableException e)
            {
                Assert.Equal(name, e.BackendName);
                Assert.Contains($"backend '{name}' is not available", e.Message);
            }
        }
    }

    [Fact]
    public void Auto_prefers_a_gpu_and_falls_back_to_cpu()
    {
        using var auto = Backend.Create("auto");
        Assert.Contains(auto.Name, new[] { "cuda", "opencl", "cpu" });
        if (auto.Name == "cpu")
            Assert.Throws<BackendUnavailableException>(() => Backend.Create("cuda").Dispose());
    }

    [Fact]
    public void The_environment_variable_chooses_and_bad_values_are_named()
    {
        string? saved = Environment.GetEnvironmentVariable(Backend.EnvironmentVariable);
        try
        {
            Environment.SetEnvironmentVariable(Backend.EnvironmentVariable, "ilgpu-cpu");
            using (var chosen = Backend.FromEnvironment()) Assert.Equal("ilgpu-cpu", chosen.Name);
            Environment.SetEnvironmentVariable(Backend.EnvironmentVariable, null);
            using (var fallback = Backend.FromEnvironment()) Assert.Equal("cpu", fallback.Name);
            Environment.SetEnvironmentVariable(Backend.EnvironmentVariable, "tpu");
            var e = Assert.Throws<ArgumentException>(() => Backend.FromEnvironment());
            Assert.Contains("'tpu'", e.Message);
        }
        finally
        {
            Environment.SetEnvironmentVariable(Backend.EnvironmentVariable, saved);
        }
    }

    [Fact]
    public void A_thread_count_below_one_is_refused()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new CpuBackend(0));
        Assert.Contains("at least 1 thread", e.Message);
    }
}
