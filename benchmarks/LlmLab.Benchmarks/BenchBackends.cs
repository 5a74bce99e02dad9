using LlmLab.Backends;

namespace LlmLab.Benchmarks;

/// <summary>Backends a benchmark runs on: LLMLAB_BENCH_BACKENDS, or cpu plus cuda where there is one.</summary>
public static class BenchBackends
{
    private static readonly Dictionary<string, IBackend> Created = new();

    public static IEnumerable<string> Names
    {
        get
        {
            string? names = Environment.GetEnvironmentVariable("LLMLAB_BENCH_BACKENDS");
            if (!string.IsNullOrWhiteSpace(names))
                return names.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            var found = new List<string> { "cpu" };
            if (Get("cuda-probe") is not null) found.Add("cuda");
            return found;
        }
    }

    public static IBackend Get(string name)
    {
        lock (Created)
        {
            if (name == "cuda-probe")
            {
                try { return Get("cuda"); }
                catch (BackendUnavailableException) { return null!; }
            }
            if (!Created.TryGetValue(name, out var backend))
                Created[name] = backend = Backend.Create(name);
            return backend;
        }
    }
}
