namespace LlmLab.Experiments.Tests;

/// <summary>compare: configuration differences and final metrics side by side; files only with --out.</summary>
public sealed class CompareTests : IDisposable
{
    private readonly HostHarness _host = new();

    public void Dispose() => _host.Dispose();

    [Fact]
    public void ShowsOnlyTheSettingsThatDifferAndTheFinalMetrics()
    {
        _host.Run([TestExperiments.ToyTrain()], "run", "toy-train", "--set", "Steps=4", "--set", "Optimizer=adam");
        _host.Run([TestExperiments.ToyTrain()], "run", "toy-train", "--set", "Steps=4", "--seed", "9");
        var runs = _host.RunFolders("toy-train");
        var before = Directory.GetFileSystemEntries(_host.Root, "*", SearchOption.AllDirectories).Length;

        var (code, output) = _host.Run([TestExperiments.ToyTrain()], ["compare", .. runs]);

        Assert.Equal(ExitCodes.Done, code);
        Assert.Contains("| seed ", output);
        Assert.Contains("| Optimizer ", output);
        Assert.DoesNotContain("| Steps ", output);       // the same in both
        Assert.Contains("| train_loss ", output);
        Assert.Contains("By train_loss (lower is better), ", output);
        Assert.Equal(before, Directory.GetFileSystemEntries(_host.Root, "*", SearchOption.AllDirectories).Length); // wrote nothing

        var comparison = CompareReport.Build(runs);
        Assert.Equal(["seed", "Optimizer"], comparison.Differences.Rows.Select(r => r[0].ToString()));
    }

    [Fact]
    public void OutWritesAReportWithOverlaidCurves()
    {
        _host.Run([TestExperiments.ToyTrain()], "run", "toy-train", "--profile", "quick");
        _host.Run([TestExperiments.ToyTrain()], "run", "toy-train", "--profile", "slow");
        string target = Path.Combine(_host.Root, "comparison");

        var (code, _) = _host.Run([TestExperiments.ToyTrain()], ["compare", .. _host.RunFolders("toy-train"), "--out", target]);

        Assert.Equal(ExitCodes.Done, code);
        string report = File.ReadAllText(Path.Combine(target, "report.md"));
        Assert.StartsWith("# Comparison of 2 runs", report);
        Assert.Contains("| profile | quick | slow |", report);
        Assert.Contains("![train_loss](plots/compare-train_loss.png)", report);
        Assert.True(PngTests.IsPng(Path.Combine(target, "plots", "compare-train_loss.png")));
        Assert.True(File.Exists(Path.Combine(target, "report.json")));
    }

    [Fact]
    public void SameConfigurationIsSaidPlainly()
    {
        _host.Run([TestExperiments.ToyTrain()], "run", "toy-train", "--profile", "quick");
        _host.Run([TestExperiments.ToyTrain()], "run", "toy-train", "--profile", "quick");
        var (_, output) = _host.Run([TestExperiments.ToyTrain()], ["compare", .. _host.RunFolders("toy-train")]);
        Assert.Contains("The runs have the same configuration.", output);
    }

    [Fact]
    public void NotARunFolderIsAUsageError()
    {
        var (code, output) = _host.Run([], "compare", _host.Root);
        Assert.Equal(ExitCodes.BadUsage, code);
        Assert.Contains("is not a run folder", output);
    }
}
