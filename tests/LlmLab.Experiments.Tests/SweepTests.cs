using System.Text.Json.Nodes;

namespace LlmLab.Experiments.Tests;

/// <summary>sweep (the local executor): every combination in grid order, one run folder each inside the sweep folder, and a comparison report with plots.</summary>
public sealed class SweepTests : IDisposable
{
    private readonly HostHarness _host = new();

    public void Dispose() => _host.Dispose();

    [Fact]
    public void EveryCombinationGetsARunFolderAndTheSweepAReport()
    {
        var (code, output) = _host.Run([TestExperiments.ToyTrain()],
            "sweep", "toy-train", "--grid", "optimizer=sgd,adam", "--grid", "LearningRate=0.1,0.2,0.3", "--profile", "quick", "--set", "steps=3");

        Assert.Equal(ExitCodes.Done, code);
        string sweep = Assert.Single(Directory.GetDirectories(Path.Combine(_host.Runs, "toy-train"), "sweep-*"));
        Assert.Matches(@"sweep-\d{8}-\d{6}$", sweep);
        // One run folder per point, named by its index, inside the sweep folder; none beside it.
        Assert.Equal(6, Points(sweep).Count(RunPaths.IsRunFolder));
        Assert.Empty(_host.RunFolders("toy-train"));
        // Cartesian, first grid key outermost, in the order the values were given.
        Assert.Equal(["sgd/0.1/3", "sgd/0.2/3", "sgd/0.3/3", "adam/0.1/3", "adam/0.2/3", "adam/0.3/3"], Ordered(sweep));

        string report = File.ReadAllText(Path.Combine(sweep, "report.md"));
        Assert.Contains("**Grid:** Optimizer = sgd, adam × LearningRate = 0.1, 0.2, 0.3 (6 of 6 combinations run)", report);
        Assert.Contains("| Optimizer=adam, LearningRate=0.3 | completed |", report);
        Assert.Contains("[points/5](points/5/report.md)", report);
        Assert.DoesNotContain("**Missing:**", report);
        Assert.Contains("By train_loss (lower is better), Optimizer=adam, LearningRate=0.3 is best", report);
        Assert.Contains("![train_loss per combination](plots/final-train_loss.png)", report);
        Assert.True(PngTests.IsPng(Path.Combine(sweep, "plots", "final-train_loss.png")));
        Assert.Contains("evaluation time", report[report.IndexOf("## Timings", StringComparison.Ordinal)..]); // a duration figure goes with the timings

        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(sweep, "report.json")))!;
        Assert.Equal(6, json["points"]!.AsArray().Count);
        Assert.Contains($"sweep report: {Path.Combine(sweep, "report.md")}", output);
    }

    [Fact]
    public void SweepJsonRecordsEachPointsConfigHashAndItsState()
    {
        _host.Run([TestExperiments.ToyTrain()], "sweep", "toy-train", "--grid", "Steps=2,3", "--set", "LearningRate=0.2");
        string sweep = Directory.GetDirectories(Path.Combine(_host.Runs, "toy-train"), "sweep-*").Single();
        var record = SweepRecord.Read(Path.Combine(sweep, "sweep.json"));

        Assert.Equal([0, 1], record.Points.Select(p => p.Index));
        Assert.Equal(SweepExecutor.Local, record.Executor.Kind);
        foreach (var point in record.Points)
        {
            string folder = point.FolderIn(sweep);
            Assert.Equal(RunConfigYaml.Read(Path.Combine(folder, "config.yaml")).Hash, point.Hash);
            var state = PointState.Read(folder)!;
            Assert.Equal((PointPhase.Done, 1, (int?)0), (state.Phase, state.Attempts, state.ExitCode));
        }
        Assert.Equal([0, 1], Assert.Single(record.Submissions).Indices);
    }

    // The points' run folders, by index.
    internal static List<string> Points(string sweep) =>
        [.. Directory.GetDirectories(Path.Combine(sweep, "points")).OrderBy(f => int.Parse(Path.GetFileName(f), System.Globalization.CultureInfo.InvariantCulture))];

    // The points in index order, as sweep.json records them.
    private static List<string> Ordered(string sweep) =>
        [.. JsonNode.Parse(File.ReadAllText(Path.Combine(sweep, "sweep.json")))!["points"]!.AsArray()
            .Select(r => RunConfigYaml.Read(Path.Combine(sweep, (string)r!["folder"]!, "config.yaml")))
            .Select(c => $"{c["Optimizer"]}/{c["LearningRate"]}/{c["Steps"]}")];

    [Fact]
    public void ABadGridValueStopsTheSweepBeforeAnythingRuns()
    {
        var (code, output) = _host.Run([TestExperiments.ToyTrain()], "sweep", "toy-train", "--grid", "Steps=2,0");
        Assert.Equal(ExitCodes.BadUsage, code);
        Assert.Contains("combination Steps=0: Steps: 0 is below the minimum 1", output);
        Assert.False(Directory.Exists(Path.Combine(_host.Runs, "toy-train")), "no sweep folder is made");
    }

    [Theory]
    [InlineData(new[] { "sweep", "toy-train" }, "sweep needs at least one --grid")]
    [InlineData(new[] { "sweep", "toy-train", "--grid", "Steps" }, "--grid expects KEY=VALUE")]
    [InlineData(new[] { "sweep", "toy-train", "--grid", "Steps=1,,2" }, "a value is empty")]
    [InlineData(new[] { "sweep", "toy-train", "--grid", "Steps=1,2", "--grid", "steps=3" }, "is given twice")]
    [InlineData(new[] { "sweep", "toy-train", "--grid", "Steps=1,2", "--set", "steps=3" }, "both swept (--grid) and fixed (--set)")]
    public void GridMistakesAreUsageErrors(string[] args, string message)
    {
        var (code, output) = _host.Run([TestExperiments.ToyTrain()], args);
        Assert.Equal(ExitCodes.BadUsage, code);
        Assert.Contains(message, output);
    }

    [Fact]
    public void AFailingCombinationFailsTheSweepButTheOthersRun()
    {
        var picky = TestBinder.Define("picky", [TestExperiments.StepsSpec],
            values => [new ExperimentStep("Work", c =>
            {
                if (values["Steps"] == "2") throw new InvalidOperationException("two is unlucky");
                c.RecordMetrics(1, ("score", double.Parse(values["Steps"], System.Globalization.CultureInfo.InvariantCulture)));
            })]);
        var (code, output) = _host.Run([picky], "sweep", "picky", "--grid", "Steps=1,2,3");

        Assert.Equal(ExitCodes.RunFailed, code);
        Assert.Contains("run failed in step Work: two is unlucky", output);
        string sweep = Directory.GetDirectories(Path.Combine(_host.Runs, "picky"), "sweep-*").Single();
        Assert.Equal(3, Points(sweep).Count(RunPaths.IsRunFolder));
        string report = File.ReadAllText(Path.Combine(sweep, "report.md"));
        Assert.Contains("| Steps=2 | failed | — |", report);
        Assert.Contains("**Missing:** 1 of 3 combinations has no completed run yet: Steps=2 (failed).", report);
        var state = PointState.Read(Path.Combine(sweep, "points", "1"))!;
        Assert.Equal((PointPhase.Failed, (int?)ExitCodes.RunFailed), (state.Phase, state.ExitCode));
    }

    [Fact]
    public void ReportCommandRendersASweepAgain()
    {
        _host.Run([TestExperiments.ToyTrain()], "sweep", "toy-train", "--grid", "Steps=1,2");
        string sweep = Directory.GetDirectories(Path.Combine(_host.Runs, "toy-train"), "sweep-*").Single();
        string before = File.ReadAllText(Path.Combine(sweep, "report.md"));
        File.Delete(Path.Combine(sweep, "report.md"));

        var (code, _) = _host.Run([TestExperiments.ToyTrain()], "report", sweep);

        Assert.Equal(ExitCodes.Done, code);
        Assert.Equal(before, File.ReadAllText(Path.Combine(sweep, "report.md")));
    }
}
