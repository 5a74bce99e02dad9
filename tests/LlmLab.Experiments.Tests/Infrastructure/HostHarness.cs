namespace LlmLab.Experiments.Tests;

/// <summary>Runs the host on a temporary runs root and captures what it printed; the folder goes when disposed.</summary>
internal sealed class HostHarness : IDisposable
{
    public HostHarness()
    {
        Root = Path.Combine(Path.GetTempPath(), "llmlab-host-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Root);
    }

    /// <summary>A fresh folder for this test; run folders go under Root/runs.</summary>
    public string Root { get; }
    public string Runs => Path.Combine(Root, "runs");

    public (int Code, string Output) Run(IReadOnlyList<ExperimentDefinition> experiments, params string[] args) =>
        Run(experiments, CancellationToken.None, args);

    public (int Code, string Output) Run(IReadOnlyList<ExperimentDefinition> experiments, CancellationToken cancellation, params string[] args)
    {
        var output = new StringWriter();
        int code = ExperimentHost.Run(args, experiments, output, Runs, cancellation);
        return (code, output.ToString());
    }

    /// <summary>The run folders of an experiment, oldest first (names start with the UTC time).</summary>
    public IReadOnlyList<string> RunFolders(string experiment, string? root = null)
    {
        string folder = Path.Combine(root ?? Runs, experiment);
        return Directory.Exists(folder)
            ? [.. Directory.GetDirectories(folder).Where(RunPaths.IsRunFolder).Order(StringComparer.Ordinal)]
            : [];
    }

    public string OnlyRunFolder(string experiment) => Assert.Single(RunFolders(experiment));

    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); }
        catch (IOException) { } // a leftover temp folder is not a test failure
    }
}
