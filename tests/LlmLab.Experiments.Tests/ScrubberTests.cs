namespace LlmLab.Experiments.Tests;

/// <summary>
/// The scrubber hides what differs between two runs of the same seed, and only that: two such runs give
/// byte-identical scrubbed reports, and a different seed does not.
/// </summary>
public sealed class ScrubberTests : IDisposable
{
    private readonly HostHarness _host = new();

    public void Dispose() => _host.Dispose();

    private string ScrubbedReport(string folder) => ReportScrubber.Scrub(File.ReadAllText(Path.Combine(folder, "report.md")));

    [Fact]
    public void TwoRunsWithTheSameSeedGiveIdenticalScrubbedReports()
    {
        _host.Run([TestExperiments.ToyTrain()], "run", "toy-train", "--profile", "quick", "--out", Path.Combine(_host.Root, "a"));
        Thread.Sleep(1100); // a different second, so the folder names differ too
        _host.Run([TestExperiments.ToyTrain()], "run", "toy-train", "--profile", "quick", "--out", Path.Combine(_host.Root, "b"));
        _host.Run([TestExperiments.ToyTrain()], "run", "toy-train", "--profile", "quick", "--seed", "2", "--out", Path.Combine(_host.Root, "c"));
        string a = Assert.Single(_host.RunFolders("toy-train", Path.Combine(_host.Root, "a")));
        string b = Assert.Single(_host.RunFolders("toy-train", Path.Combine(_host.Root, "b")));
        string c = Assert.Single(_host.RunFolders("toy-train", Path.Combine(_host.Root, "c")));

        Assert.NotEqual(File.ReadAllText(Path.Combine(a, "report.md")), File.ReadAllText(Path.Combine(b, "report.md")));
        Assert.Equal(ScrubbedReport(a), ScrubbedReport(b));
        Assert.NotEqual(ScrubbedReport(a), ScrubbedReport(c));
        Assert.Contains("> Run `<run>` · started <time> · ended <time> · took <duration>", ScrubbedReport(a));
        Assert.Contains("| ms | <n> | <n> |", ScrubbedReport(a));
    }

    [Fact]
    public void ScrubsPathsTimesDurationsMachineAndCommits()
    {
        string text = string.Join("\n",
            "saved to /tmp/llmlab/runs/x/20250304-050607-0a1b2c3d/model.safetensors and C:\\runs\\x",
            "see ../20250304-050607-0a1b2c3d-2/report.md or sweep-20250304-050607",
            "started 2025-03-04T05:06:07.123Z on 2025-03-04 at 05:06:07",
            "took 12.35 s, then 850 ms, then 3.5 min",
            $"on {Environment.MachineName} at commit 0123456789abcdef0123456789abcdef01234567",
            "loss 2.305 at step 10, 4 tokens/s, plots/metric-loss.png, 3/4 done");

        Assert.Equal(string.Join("\n",
            "saved to <path> and <path>",
            "see ../<run>/report.md or sweep-<time>",
            "started <time> on <date> at <time>",
            "took <duration>, then <duration>, then <duration>",
            "on <machine> at commit <commit>",
            "loss 2.305 at step 10, 4 tokens/s, plots/metric-loss.png, 3/4 done"), ReportScrubber.Scrub(text));
    }

    [Fact]
    public void OnlyTheTimingsSectionLosesItsNumbers()
    {
        string text = "## Final metrics\n\n| loss | 2.5 |\n\n## Timings (these vary from run to run)\n\n| ms | 12.5 | 13 |\n\n## After\n\n| x | 1 |";
        Assert.Equal("## Final metrics\n\n| loss | 2.5 |\n\n## Timings (these vary from run to run)\n\n| ms | <n> | <n> |\n\n## After\n\n| x | 1 |",
            ReportScrubber.Scrub(text));
    }
}
