namespace LlmLab.Tests.Infrastructure;

/// <summary>
/// The reference fixtures (made with the real Hugging Face stack, see tests/fixtures/README.md) live in
/// tests/fixtures of the repository; LLMLAB_FIXTURES overrides the location.
/// </summary>
public static class Fixtures
{
    private static readonly Lazy<string> Root = new(Find);

    /// <summary>Absolute path of a file under the fixtures folder, e.g. Path("hf/warpers.safetensors").</summary>
    public static string Path(string relative)
    {
        string path = System.IO.Path.Combine(Root.Value, relative);
        if (!File.Exists(path) && !Directory.Exists(path))
            throw new FileNotFoundException($"fixture '{relative}' is missing under {Root.Value}");
        return path;
    }

    private static string Find()
    {
        string? overridden = Environment.GetEnvironmentVariable("LLMLAB_FIXTURES");
        if (!string.IsNullOrEmpty(overridden)) return overridden;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "Experiments.sln")))
                return System.IO.Path.GetFullPath(System.IO.Path.Combine(dir.FullName, "tests", "fixtures"));
        throw new DirectoryNotFoundException("cannot find the repository root (Experiments.sln) above the test binaries");
    }
}
