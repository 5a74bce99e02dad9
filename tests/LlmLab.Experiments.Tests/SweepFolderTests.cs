namespace LlmLab.Experiments.Tests;

/// <summary>
/// The sweep folder as the one thing every executor shares: run-point runs any point from its index alone, a
/// stopped sweep continues with <c>sweep resume</c> to the same report as an uninterrupted one, and
/// <c>sweep status</c> and <c>sweep report</c> tell what has finished and what has not.
/// </summary>
public sealed class SweepFolderTests : IDisposable
{
    private readonly HostHarness _host = new();

    public void Dispose() => _host.Dispose();

    private static readonly string[] Grid = ["sweep", "toy-train", "--grid", "LearningRate=0.1,0.2,0.3", "--set", "Steps=6"];

    [Fact]
    public void AnInterruptedSweepResumesToTheReportOfAnUninterruptedOne()
    {
        Assert.Equal(ExitCodes.Done, _host.Run([TestExperiments.ToyTrain()], [.. Grid, "--out", Path.Combine(_host.Root, "straight")]).Code);
        string straight = Sweep(Path.Combine(_host.Root, "straight"));

        // Ctrl+C in the second point's third step: it checkpoints and stops; the third point never starts.
        using var cancellation = new CancellationTokenSource();
        int calls = 0;
        var interruptible = TestExperiments.ToyTrain(onStep: _ => { if (++calls == 6 + 3) cancellation.Cancel(); });
        var (code, output) = _host.Run([interruptible], cancellation.Token, Grid);
        Assert.Equal(ExitCodes.Interrupted, code);
        string sweep = Sweep(_host.Runs);
        Assert.Contains($"sweep interrupted; continue it with: sweep resume {sweep}", output);

        (code, output) = _host.Run([TestExperiments.ToyTrain()], "sweep", "status", sweep);
        Assert.Equal(ExitCodes.Done, code);
        Assert.Matches(@"\| 1 +\| LearningRate=0.2 +\| interrupted +\| 130 +\| 1 ", output);
        Assert.Matches(@"\| 2 +\| LearningRate=0.3 +\| planned ", output);
        Assert.Contains("3 points: 1 planned, 1 done, 1 interrupted", output);
        Assert.Contains("point 1 (LearningRate=0.2) interrupted with exit code 130; last lines of", output);
        Assert.Contains($"sweep resume {sweep} runs the 2 points not done (1-2)", output);

        (code, output) = _host.Run([TestExperiments.ToyTrain()], "sweep", "resume", sweep);
        Assert.Equal(ExitCodes.Done, code);
        Assert.Contains("resuming sweep of toy-train: 2 of 3 points (1-2)", output);
        Assert.Contains("resuming toy-train", output);
        Assert.Contains("resuming from step 2", File.ReadAllText(Path.Combine(sweep, "points", "1", "log.txt")));

        Assert.Equal(Scrubbed(straight), Scrubbed(sweep));
        Assert.Equal(2, PointState.Read(Path.Combine(sweep, "points", "1"))!.Attempts);

        (code, output) = _host.Run([TestExperiments.ToyTrain()], "sweep", "resume", sweep);
        Assert.Equal(ExitCodes.Done, code);
        Assert.Contains("nothing to resume: all 3 points are done", output);
    }

    [Fact]
    public void RunPointRunsAnyPointFromItsIndexAndADonePointAtOnce()
    {
        // A Kubernetes sweep that was only printed: every point is planned, none has run.
        string sweep = PlannedSweep();

        var (code, output) = _host.Run([TestExperiments.ToyTrain()], "run-point", sweep, "2");
        Assert.Equal(ExitCodes.Done, code);
        Assert.Contains("| final loss", output);
        var config = RunConfigYaml.Read(Path.Combine(sweep, "points", "2", "config.yaml"));
        Assert.Equal(("0.3", "6"), (config["LearningRate"], config["Steps"]));
        Assert.False(RunPaths.IsRunFolder(Path.Combine(sweep, "points", "1")));

        // The index as a position in --indices, as a resubmitted Job's pods give it.
        (code, _) = _host.Run([TestExperiments.ToyTrain()], "run-point", sweep, "0", "--indices", "1,2");
        Assert.Equal(ExitCodes.Done, code);
        Assert.True(RunPaths.IsRunFolder(Path.Combine(sweep, "points", "1")));

        (code, output) = _host.Run([TestExperiments.ToyTrain()], "run-point", sweep, "2");
        Assert.Equal(ExitCodes.Done, code);
        Assert.Contains("point 2 (LearningRate=0.3) is already done", output);

        (code, output) = _host.Run([TestExperiments.ToyTrain()], "sweep", "report", sweep);
        Assert.Equal(ExitCodes.Done, code);
        Assert.Contains("1 of 3 points have no completed run in it: 0 (LearningRate=0.1) planned", output);
        string report = File.ReadAllText(Path.Combine(sweep, "report.md"));
        Assert.Contains("(2 of 3 combinations run)", report);
        Assert.Contains("**Missing:** 1 of 3 combinations has no completed run yet: LearningRate=0.1 (not run).", report);
        Assert.Contains("| LearningRate=0.1 | not run | — |", report);
    }

    [Fact]
    public void RunPointTakesItsIndexFromTheSchedulersVariable()
    {
        string? before = Environment.GetEnvironmentVariable(PointRunner.KubernetesIndex);
        string? slurm = Environment.GetEnvironmentVariable(PointRunner.SlurmIndex);
        try
        {
            Environment.SetEnvironmentVariable(PointRunner.SlurmIndex, null);
            Environment.SetEnvironmentVariable(PointRunner.KubernetesIndex, "1");
            Assert.Equal(1, PointRunner.Index(null, null));
            Assert.Equal(7, PointRunner.Index(null, "0,7-9"));
            Assert.Equal(4, PointRunner.Index("4", null));
            Environment.SetEnvironmentVariable(PointRunner.KubernetesIndex, null);
            Assert.Contains("give INDEX, or run it where SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX is set",
                Assert.Throws<ExperimentConfigException>(() => PointRunner.Index(null, null)).Message);
            Assert.Contains("past the end of --indices", Assert.Throws<ExperimentConfigException>(() => PointRunner.Index("3", "1,2")).Message);
        }
        finally
        {
            Environment.SetEnvironmentVariable(PointRunner.KubernetesIndex, before);
            Environment.SetEnvironmentVariable(PointRunner.SlurmIndex, slurm);
        }
    }

    [Fact]
    public void RunPointRefusesAPointWhoseConfigurationChanged()
    {
        string sweep = PlannedSweep();
        // The same experiment with another default optimizer: every point would now run something else.
        var changed = TestBinder.Define("toy-train",
            [TestExperiments.StepsSpec, TestExperiments.LearningRateSpec, TestExperiments.OptimizerSpec with { DefaultText = "adam" }],
            _ => [new ExperimentStep("Nothing", _ => { })]);
        var (code, output) = _host.Run([changed], "run-point", sweep, "0");
        Assert.Equal(ExitCodes.BadUsage, code);
        Assert.Contains("point 0 (LearningRate=0.1) now resolves to configuration", output);
        Assert.Contains("the experiment or its defaults changed since; start a new sweep", output);
        Assert.False(RunPaths.IsRunFolder(Path.Combine(sweep, "points", "0")));
        // Recorded as the point's failure, so sweep status shows it.
        var state = PointState.Read(Path.Combine(sweep, "points", "0"))!;
        Assert.Equal((PointPhase.Failed, (int?)ExitCodes.BadUsage), (state.Phase, state.ExitCode));

        (code, output) = _host.Run([TestExperiments.ToyTrain()], "run-point", sweep, "9");
        Assert.Equal(ExitCodes.BadUsage, code);
        Assert.Contains("the sweep has no point 9 (its points are 0 to 2)", output);

        (code, output) = _host.Run([TestExperiments.ToyTrain()], "run-point", _host.Root, "0");
        Assert.Equal(ExitCodes.BadUsage, code);
        Assert.Contains("is not a sweep folder: it has no sweep.json", output);
    }

    [Fact]
    public void StatusNamesAFailedPointWithItsExitCodeAndLastLogLines()
    {
        var picky = TestBinder.Define("picky", [TestExperiments.StepsSpec],
            values => [new ExperimentStep("Work", c =>
            {
                c.Log($"working on {values["Steps"]}");
                if (values["Steps"] == "2") throw new InvalidOperationException("two is unlucky");
            })]);
        Assert.Equal(ExitCodes.RunFailed, _host.Run([picky], "sweep", "picky", "--grid", "Steps=1,2,3").Code);
        string sweep = Directory.GetDirectories(Path.Combine(_host.Runs, "picky"), "sweep-*").Single();

        var (code, output) = _host.Run([picky], "sweep", "status", sweep);
        Assert.Equal(ExitCodes.Done, code);
        Assert.Matches(@"\| 1 +\| Steps=2 +\| failed +\| 1 +\| 1 +\| +\| failed in step Work: two is unlucky", output);
        Assert.Contains("point 1 (Steps=2) failed with exit code 1; last lines of", output);
        Assert.Contains("working on 2", output);
        Assert.Contains($"sweep resume {sweep} runs the 1 point not done (1)", output);
    }

    [Theory]
    [InlineData(new[] { "--executor", "pbs" }, "--executor 'pbs' is not one of local, slurm, kubernetes")]
    [InlineData(new[] { "--parallel", "4" }, "--parallel is for --executor slurm or kubernetes")]
    [InlineData(new[] { "--cpus", "4" }, "--cpus is an option of --executor slurm or kubernetes, not of --executor local")]
    [InlineData(new[] { "--executor", "slurm", "--image", "x" }, "--image is an option of --executor kubernetes, not of --executor slurm")]
    [InlineData(new[] { "--executor", "kubernetes", "--partition", "gpu" }, "--partition is an option of --executor slurm, not of --executor kubernetes")]
    [InlineData(new[] { "--executor", "kubernetes", "--claim", "runs" }, "--executor kubernetes needs --image IMAGE")]
    [InlineData(new[] { "--executor", "kubernetes", "--image", "x" }, "--executor kubernetes needs --claim NAME")]
    [InlineData(new[] { "--executor", "slurm", "--time", "an hour" }, "--time expects a Slurm time limit")]
    [InlineData(new[] { "--executor", "slurm", "--memory", "8GB" }, "--memory expects a whole number with M or G")]
    [InlineData(new[] { "--executor", "slurm", "--parallel", "0" }, "--parallel expects a whole number of at least 1")]
    [InlineData(new[] { "--executor", "slurm", "--backend", "auto" }, "--backend auto would resolve on each node")]
    public void ExecutorOptionMistakesAreUsageErrorsBeforeAnythingIsWritten(string[] options, string message)
    {
        var (code, output) = _host.Run([TestExperiments.ToyTrain()], [.. Grid, .. options]);
        Assert.Equal(ExitCodes.BadUsage, code);
        Assert.Contains(message, output);
        Assert.False(Directory.Exists(Path.Combine(_host.Runs, "toy-train")));
    }

    [Theory]
    [InlineData("status", "--grid", "Steps=1")]
    [InlineData("report", "--executor", "slurm")]
    [InlineData("resume", "--seed", "3")]
    public void SweepActionsRefuseOptionsThatSweepJsonDecides(string action, string option, string value)
    {
        string sweep = PlannedSweep();
        var (code, output) = _host.Run([TestExperiments.ToyTrain()], "sweep", action, sweep, option, value);
        Assert.Equal(ExitCodes.BadUsage, code);
        Assert.Contains($"sweep {action} takes the sweep folder", output);
        Assert.Contains($"drop {option}", output);
    }

    [Fact]
    public void TheSlurmArrayScriptCarriesTheResourcesAndExecsThePoint()
    {
        var points = Enumerable.Range(0, 6).Select(i => new SweepPoint(i, [KeyValuePair.Create("Steps", (i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture))], "0a1b2c3d")).ToList();
        var settings = new ExecutorSettings(SweepExecutor.Slurm)
        {
            Parallel = 2, Partition = "gpu", Time = "1-02:00:00", Cpus = 4, Memory = "8G", Gpus = 1,
            Sbatch = ["--account=lab", "--qos=long"], Setup = ["module load dotnet/10", "export LLMLAB_BACKEND=cuda"],
            Worker = ["/shared/llmlab/Lifecycle"],
        };
        var sweep = new SweepRecord("toy-train", null, DateTime.UtcNow, "quick", 1337, "cuda", [], [new SweepAxis("Steps", ["1", "2", "3", "4", "5", "6"])], points, settings, []);

        string script = SlurmExecutor.Script("/shared/runs/toy-train/sweep-20250304-050607", sweep, [1, 2, 3, 5]);

        Assert.StartsWith("#!/bin/bash\n", script);
        string[] expected =
        [
            "#SBATCH --job-name=llmlab-toy-train",
            "#SBATCH --array=1-3,5%2",
            "#SBATCH --output=/shared/runs/toy-train/sweep-20250304-050607/points/%a/slurm-%A_%a.out",
            "#SBATCH --chdir=/shared/runs/toy-train/sweep-20250304-050607",
            "#SBATCH --partition=gpu",
            "#SBATCH --time=1-02:00:00",
            "#SBATCH --cpus-per-task=4",
            "#SBATCH --mem=8G",
            "#SBATCH --gres=gpu:1",
            "#SBATCH --signal=B:TERM@90",
            "#SBATCH --account=lab",
            "#SBATCH --qos=long",
            "set -e",
            "module load dotnet/10",
            "export LLMLAB_BACKEND=cuda",
        ];
        var lines = script.Split('\n');
        Assert.Equal(expected, lines.Where(l => expected.Contains(l)));
        // Every #SBATCH line comes before the first command, or sbatch ignores it.
        Assert.True(Array.FindLastIndex(lines, l => l.StartsWith("#SBATCH", StringComparison.Ordinal)) < Array.IndexOf(lines, "set -e"));
        Assert.Equal("exec /shared/llmlab/Lifecycle run-point /shared/runs/toy-train/sweep-20250304-050607 \"$SLURM_ARRAY_TASK_ID\"", lines[^2]);
        Assert.Equal("'/odd path/it'\\''s'", SlurmExecutor.Quote("/odd path/it's"));
    }

    [Theory]
    [InlineData("30", 1800L)]
    [InlineData("30:15", 1815L)]
    [InlineData("2:00:00", 7200L)]
    [InlineData("1-0", 86400L)]
    [InlineData("1-2:30", 95400L)]
    [InlineData("2-00:00:10", 172810L)]
    public void SlurmTimeLimitsReadAsSeconds(string text, long seconds) => Assert.Equal(seconds, ExecutorOptions.TimeSeconds(text));

    [Fact]
    public void IndicesAndRangesReadBothWays()
    {
        Assert.Equal("0-2,5,7-9", PointRunner.Ranges([9, 0, 1, 2, 5, 7, 8]));
        Assert.Equal([0, 1, 2, 5, 7, 8, 9], PointRunner.ParseIndices("0-2,5,7-9"));
        Assert.Throws<ExperimentConfigException>(() => PointRunner.ParseIndices("3-1"));
        Assert.Throws<ExperimentConfigException>(() => PointRunner.ParseIndices("a"));
    }

    // A sweep of three points planned for Kubernetes and only printed: nothing has run.
    private string PlannedSweep()
    {
        var (code, output) = _host.Run([TestExperiments.ToyTrain()], [.. Grid, "--executor", "kubernetes", "--image", "llmlab:test", "--claim", "runs"]);
        Assert.True(code == ExitCodes.Done, output);
        return Sweep(_host.Runs);
    }

    private static string Sweep(string runs) => Directory.GetDirectories(Path.Combine(runs, "toy-train"), "sweep-*").Single();

    private static string Scrubbed(string sweep) => ReportScrubber.Scrub(File.ReadAllText(Path.Combine(sweep, "report.md")));
}
