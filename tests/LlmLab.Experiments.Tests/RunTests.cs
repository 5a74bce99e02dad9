using System.Text.Json.Nodes;
using LlmLab.Training;

namespace LlmLab.Experiments.Tests;

/// <summary>run: the folder it leaves, how a failure, Ctrl+C and a resume end, and the exit codes.</summary>
public sealed class RunTests : IDisposable
{
    private readonly HostHarness _host = new();

    public void Dispose() => _host.Dispose();

    private static JsonObject Json(string path) => JsonNode.Parse(File.ReadAllText(path))!.AsObject();

    [Fact]
    public void SuccessfulRunLeavesEveryFileAndExitsZero()
    {
        var (code, output) = _host.Run([TestExperiments.ToyTrain()], "run", "toy-train", "--set", "steps=6", "--seed", "7");

        Assert.Equal(ExitCodes.Done, code);
        string folder = _host.OnlyRunFolder("toy-train");
        var paths = new RunPaths(folder);
        foreach (string file in new[] { paths.Config, paths.Environment, paths.Status, paths.Metrics, paths.Results, paths.Log, paths.ReportMarkdown, paths.ReportJson })
            Assert.True(File.Exists(file), $"{Path.GetFileName(file)} is missing");
        Assert.True(Directory.Exists(paths.Checkpoints));
        Assert.True(File.Exists(Path.Combine(paths.Plots, "metric-loss.png")));
        Assert.True(File.Exists(Path.Combine(paths.Plots, "weight.png")));
        Assert.Contains($"report: {paths.ReportMarkdown}", output);

        var status = Json(paths.Status);
        Assert.Equal("completed", (string?)status["status"]);
        Assert.NotNull((string?)status["endedUtc"]);

        var config = RunConfigYaml.Read(paths.Config);
        Assert.Equal(("toy-train", 7UL, "cpu"), (config.Experiment, config.Seed, config.Backend));
        Assert.Equal(["Steps=6", "LearningRate=0.1", "Optimizer=sgd"], config.Parameters.Select(p => $"{p.Key}={p.Value}"));

        var environment = Json(paths.Environment);
        Assert.Equal(Environment.ProcessorCount, (int?)environment["processorCount"]);
        Assert.Equal("cpu", (string?)environment["backend"]);
        Assert.True(environment.ContainsKey("gitCommit"));

        // 6 train lines and 1 val line (step 4), every one a JSON object with a step.
        var lines = File.ReadAllLines(paths.Metrics);
        Assert.Equal(7, lines.Length);
        Assert.All(lines, l => Assert.NotNull(JsonNode.Parse(l)!["step"]));
        Assert.Contains("resuming False", File.ReadAllText(paths.Log));
    }

    [Fact]
    public void NoArgumentsRunsTheDefaultExperiment()
    {
        var (code, _) = _host.Run([TestExperiments.Failing(), TestExperiments.ToyTrain(isDefault: true)]);
        Assert.Equal(ExitCodes.Done, code);
        _host.OnlyRunFolder("toy-train");
    }

    [Fact]
    public void FailingStepExitsOneWithOneLineAndMarksTheRunFailed()
    {
        var (code, output) = _host.Run([TestExperiments.Failing()], "run", "failing");

        Assert.Equal(ExitCodes.RunFailed, code);
        Assert.Contains("run failed in step Explode: boom: the loss went to NaN", output);
        Assert.DoesNotContain("   at ", output);
        var paths = new RunPaths(_host.OnlyRunFolder("failing"));
        var status = Json(paths.Status);
        Assert.Equal("failed", (string?)status["status"]);
        Assert.Equal("Explode", (string?)status["failedStep"]);
        Assert.Contains("InvalidOperationException", File.ReadAllText(paths.Log)); // the details, stack trace included
        Assert.Contains("failed in step Explode", File.ReadAllText(paths.ReportMarkdown));
    }

    [Fact]
    public void CtrlCInterruptsAfterTheStepReturnsAndResumeContinuesInTheSameFolder()
    {
        using var cancellation = new CancellationTokenSource();
        var interruptible = TestExperiments.ToyTrain(onStep: step => { if (step == 3) cancellation.Cancel(); });
        var (code, output) = _host.Run([interruptible], cancellation.Token, "run", "toy-train", "--set", "Steps=8");

        Assert.Equal(ExitCodes.Interrupted, code);
        string folder = _host.OnlyRunFolder("toy-train");
        var paths = new RunPaths(folder);
        Assert.Equal("interrupted", (string?)Json(paths.Status)["status"]);
        Assert.Equal("Train", (string?)Json(paths.Status)["failedStep"]);
        Assert.Contains($"continue with: run --resume {folder}", output);
        Assert.Equal(3, File.ReadAllLines(paths.Metrics).Length); // steps 1-3 done before Ctrl+C

        (code, output) = _host.Run([TestExperiments.ToyTrain()], "run", "--resume", folder);

        Assert.Equal(ExitCodes.Done, code);
        Assert.Equal(folder, _host.OnlyRunFolder("toy-train"));
        Assert.Contains("resuming from step 3", File.ReadAllText(paths.Log));
        Assert.Contains("resuming True", File.ReadAllText(paths.Log));
        var status = Json(paths.Status);
        Assert.Equal("completed", (string?)status["status"]);
        Assert.Equal(1, (int?)status["resumes"]);
        Assert.Equal(Enumerable.Range(1, 8), MetricsLog.Read(paths.Metrics).Single(m => m.Name == "train_loss").Points.Select(p => (int)p.Step));
    }

    [Fact]
    public void ResumedRunMatchesAnUninterruptedOne()
    {
        using var cancellation = new CancellationTokenSource();
        _host.Run([TestExperiments.ToyTrain(onStep: step => { if (step == 5) cancellation.Cancel(); })], cancellation.Token, "run", "toy-train", "--out", Path.Combine(_host.Root, "a"));
        string interrupted = Assert.Single(_host.RunFolders("toy-train", Path.Combine(_host.Root, "a")));
        _host.Run([TestExperiments.ToyTrain()], "run", "--resume", interrupted);
        _host.Run([TestExperiments.ToyTrain()], "run", "toy-train", "--out", Path.Combine(_host.Root, "b"));
        string straight = Assert.Single(_host.RunFolders("toy-train", Path.Combine(_host.Root, "b")));

        static IEnumerable<double> Losses(string folder) =>
            MetricsLog.Read(Path.Combine(folder, "metrics.jsonl")).Single(m => m.Name == "train_loss").Points.Select(p => p.Value);
        Assert.Equal(Losses(straight), Losses(interrupted));
    }

    [Fact]
    public void ResumeRemovesTemporaryFilesAKilledRunLeft()
    {
        using var cancellation = new CancellationTokenSource();
        _host.Run([TestExperiments.ToyTrain(onStep: step => { if (step == 2) cancellation.Cancel(); })], cancellation.Token, "run", "toy-train");
        var paths = new RunPaths(_host.OnlyRunFolder("toy-train"));
        // What AtomicFile leaves when the process dies between writing its temporary file and renaming it.
        string[] leftovers =
        [
            Path.Combine(paths.Folder, $".results.json.4242.{Guid.NewGuid():N}.tmp"),
            Path.Combine(paths.Checkpoints, $".train.txt.4242.{Guid.NewGuid():N}.tmp"),
        ];
        foreach (string file in leftovers) File.WriteAllText(file, "half");
        string unrelated = Path.Combine(paths.Folder, ".notes.tmp");
        File.WriteAllText(unrelated, "mine");

        Assert.Equal(ExitCodes.Done, _host.Run([TestExperiments.ToyTrain()], "run", "--resume", paths.Folder).Code);

        foreach (string file in leftovers) Assert.False(File.Exists(file), file);
        Assert.True(File.Exists(unrelated));
    }

    [Fact]
    public void CompletedRunCannotBeResumed()
    {
        _host.Run([TestExperiments.ToyTrain()], "run", "toy-train");
        var (code, output) = _host.Run([TestExperiments.ToyTrain()], "run", "--resume", _host.OnlyRunFolder("toy-train"));
        Assert.Equal(ExitCodes.BadUsage, code);
        Assert.Contains("already completed", output);
    }

    [Fact]
    public void FailedRunCanBeResumed()
    {
        bool fail = true;
        var flaky = TestBinder.Define("flaky", [], _ =>
            [new ExperimentStep("Work", c => { if (fail) throw new IOException("disk full"); c.Summary("done", 1); })]);
        Assert.Equal(ExitCodes.RunFailed, _host.Run([flaky], "run", "flaky").Code);
        fail = false;
        Assert.Equal(ExitCodes.Done, _host.Run([flaky], "run", "--resume", _host.OnlyRunFolder("flaky") + Path.DirectorySeparatorChar).Code); // a trailing separator is fine
        Assert.Equal("completed", (string?)Json(Path.Combine(_host.OnlyRunFolder("flaky"), "run.json"))["status"]);
    }

    [Fact]
    public void OutOptionChoosesTheRunsRoot()
    {
        string elsewhere = Path.Combine(_host.Root, "elsewhere");
        Assert.Equal(ExitCodes.Done, _host.Run([TestExperiments.ToyTrain()], "run", "--out", elsewhere, "--profile", "quick").Code);
        Assert.Single(_host.RunFolders("toy-train", elsewhere));
        Assert.Empty(_host.RunFolders("toy-train"));
    }

    [Fact]
    public void ProfileAndSetAreAppliedInOrder()
    {
        _host.Run([TestExperiments.ToyTrain()], "run", "toy-train", "--profile", "slow", "--set", "LearningRate=0.02");
        var config = RunConfigYaml.Read(Path.Combine(_host.OnlyRunFolder("toy-train"), "config.yaml"));
        Assert.Equal("slow", config.Profile);
        Assert.Equal("12", config["Steps"]);          // from the profile
        Assert.Equal("0.02", config["LearningRate"]); // --set wins over the profile
    }
}
