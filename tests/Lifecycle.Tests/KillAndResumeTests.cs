using System.Diagnostics;
using System.Text.RegularExpressions;
using LlmLab.Experiments;
using LlmLab.Training;
using Xunit.Abstractions;

namespace Lifecycle.Tests;

/// <summary>
/// Fault injection: a small training run of the example host (Lifecycle.dll, a real child process) is killed with
/// SIGKILL at points chosen across its life - before the first checkpoint, inside a checkpoint write, between
/// checkpoints, after the last step's metrics, after training while the next experiment step starts - and resumed
/// each time with <c>run --resume</c>. The run that survives all five kills must leave the same final weights,
/// checkpoints, metrics.jsonl (apart from timings), results.json and report (apart from times and the resume count)
/// as an uninterrupted run, and no temporary file.
/// </summary>
public sealed partial class KillAndResumeTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("llmlab-kill-resume-").FullName;

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); }
        catch (IOException) { }
    }

    // pretrain-tiny-gpt at its smallest: 16 steps, a checkpoint every 4 (a quarter), validation every 4, then sampling.
    private static readonly string[] Settings =
    [
        "--backend", "cpu", "--seed", "7",
        "--set", "Steps=16", "--set", "WarmupSteps=2", "--set", "Layers=1", "--set", "Heads=2", "--set", "Width=16",
        "--set", "Context=48", "--set", "BatchSize=2", "--set", "Documents=10", "--set", "EvaluationInterval=4",
        "--set", "EvaluationBatches=1", "--set", "MaxNewTokens=8",
    ];

    [Fact]
    public void A_run_killed_five_times_and_resumed_matches_an_uninterrupted_one()
    {
        var clock = Stopwatch.StartNew();
        string straightRoot = Path.Combine(_root, "straight"), killedRoot = Path.Combine(_root, "killed");
        Assert.Equal(0, Run(["run", "pretrain-tiny-gpt", .. Settings, "--out", straightRoot]));
        string straight = OnlyRun(straightRoot);

        KillAt("step-3", ["run", "pretrain-tiny-gpt", .. Settings, "--out", killedRoot]);   // before the first checkpoint
        string killed = OnlyRun(killedRoot);
        Assert.False(Directory.Exists(Path.Combine(killed, "checkpoints", "pretrain", "step-000004")));

        KillAt("checkpoint-8", ["run", "--resume", killed]);   // inside the write of checkpoint 8
        Assert.NotEmpty(Directory.GetDirectories(Path.Combine(killed, "checkpoints", "pretrain"), ".step-000008.tmp-*"));

        KillAt("step-10", ["run", "--resume", killed]);        // between checkpoints 8 and 12
        KillAt("step-16", ["run", "--resume", killed]);        // the last step recorded, its checkpoint not written
        KillAt("before-sample", ["run", "--resume", killed]);  // training done and saved, sampling about to start
        Assert.Equal(0, Run(["run", "--resume", killed]));
        output.WriteLine($"straight run, five kills and six resumes: {clock.Elapsed.TotalSeconds:F1} s");

        Assert.Equal(Bytes(straight, "model/model.safetensors"), Bytes(killed, "model/model.safetensors"));
        Assert.Equal(Text(straight, "model/config.json"), Text(killed, "model/config.json"));
        Assert.Equal(Text(straight, "model/tokenizer.json"), Text(killed, "model/tokenizer.json"));
        Assert.Equal(Files(straight, "checkpoints"), Files(killed, "checkpoints"));
        foreach (string file in Files(straight, "checkpoints"))
            Assert.True(Bytes(straight, file).SequenceEqual(Bytes(killed, file)), $"{file} differs");
        Assert.Equal(WithoutTimings(Text(straight, "metrics.jsonl")), WithoutTimings(Text(killed, "metrics.jsonl")));
        Assert.Equal(Text(straight, "results.json"), Text(killed, "results.json"));
        Assert.Equal(Report(straight), Report(killed).Replace("completed (resumed 5 times)", "completed"));
        Assert.DoesNotContain(Directory.EnumerateFileSystemEntries(killed, "*", SearchOption.AllDirectories), p => Path.GetFileName(p).Contains(".tmp", StringComparison.Ordinal));
    }

    [Fact]
    public void A_run_sent_SIGTERM_stops_at_a_checkpoint_and_resumes_from_it()
    {
        // Long enough to catch mid-training: 400 small steps, a checkpoint every 100 (a quarter).
        string[] settings = [.. Settings.Select(s => s switch { "Steps=16" => "Steps=400", "EvaluationInterval=4" => "EvaluationInterval=100", _ => s })];
        string root = Path.Combine(_root, "terminated");
        using (var process = Start(["run", "pretrain-tiny-gpt", .. settings, "--out", root], pauseAt: null))
        {
            var errors = new System.Text.StringBuilder();
            process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (errors) errors.Append(e.Data).Append('\n'); };
            process.BeginErrorReadLine();
            process.BeginOutputReadLine();
            var clock = Stopwatch.StartNew();
            while (!Directory.Exists(Path.Combine(root, "pretrain-tiny-gpt")) || !Directory.EnumerateDirectories(Path.Combine(root, "pretrain-tiny-gpt"), "step-000100", SearchOption.AllDirectories).Any())
            {
                Assert.False(process.HasExited, "the run ended before its first checkpoint");
                Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), "no first checkpoint in a minute");
                Thread.Sleep(10);
            }
            using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])) kill.WaitForExit();
            Assert.True(process.WaitForExit(TimeSpan.FromSeconds(60)), "the run did not stop within a minute of SIGTERM");
            process.WaitForExit();
            Assert.Equal(ExitCodes.Interrupted, process.ExitCode);
            lock (errors) Assert.Contains("stopping on SIGTERM: the current step saves a checkpoint and returns", errors.ToString());
        }

        string run = OnlyRun(root);
        Assert.Equal(RunState.Interrupted, RunStatus.Read(Path.Combine(run, "run.json")).State);
        // The step in progress finished and was saved: a checkpoint past the last regular one.
        var saved = Directory.GetDirectories(Path.Combine(run, "checkpoints", "pretrain"), "step-*").Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        Assert.True(saved.Count > 0 && string.CompareOrdinal(saved[^1], "step-000100") > 0 && string.CompareOrdinal(saved[^1], "step-000400") < 0, string.Join(", ", saved));

        Assert.Equal(0, Run(["run", "--resume", run]));
        Assert.Contains($"resuming from step {int.Parse(saved[^1]!["step-".Length..], System.Globalization.CultureInfo.InvariantCulture)}", Text(run, "log.txt"));
        Assert.Equal(RunState.Completed, RunStatus.Read(Path.Combine(run, "run.json")).State);
    }

    [Fact]
    public void A_killed_scaling_sweep_resumes_its_point_and_keeps_the_finished_ones()
    {
        string straightRoot = Path.Combine(_root, "scaling-straight"), killedRoot = Path.Combine(_root, "scaling-killed");
        string[] quick = ["run", "scaling-laws", "--profile", "quick", "--backend", "cpu", "--seed", "7"];
        Assert.Equal(0, Run([.. quick, "--out", straightRoot]));
        string straight = Assert.Single(Directory.GetDirectories(Path.Combine(straightRoot, "scaling-laws")));

        // The first point has 185 steps and checkpoints every 46: killed in its third quarter, it resumes from step 92.
        KillAt("step-120", [.. quick, "--out", killedRoot]);
        string killed = Assert.Single(Directory.GetDirectories(Path.Combine(killedRoot, "scaling-laws")));
        Assert.False(File.Exists(Path.Combine(killed, "points", "c2e9-2x8", "point.json")));
        Assert.Equal(0, Run(["run", "--resume", killed]));

        Assert.Contains("c2e9-2x8: resuming from step 92", Text(killed, "log.txt"));
        Assert.Equal(Text(straight, "points.csv"), Text(killed, "points.csv"));
        Assert.Equal(Report(straight), Report(killed).Replace("completed (resumed once)", "completed"));
    }

    /// <summary>Starts the host with <see cref="FaultInjection"/> set to pause at <paramref name="point"/>, and SIGKILLs it there.</summary>
    private void KillAt(string point, string[] args)
    {
        using var process = Start(args, point);
        var paused = new TaskCompletionSource();
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data == $"llmlab: paused at {point}") paused.TrySetResult();
            else if (e.Data is not null) output.WriteLine($"[stderr] {e.Data}");
        };
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        bool reached = Task.WaitAny([paused.Task, process.WaitForExitAsync()], TimeSpan.FromSeconds(60)) == 0;
        if (!process.HasExited) process.Kill(entireProcessTree: true);   // SIGKILL on Linux and macOS
        process.WaitForExit();
        Assert.True(reached, $"the run did not pause at {point} (exit code {process.ExitCode})");
        output.WriteLine($"killed at {point}");
    }

    private int Run(string[] args)
    {
        using var process = Start(args, pauseAt: null);
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) output.WriteLine($"[stderr] {e.Data}"); };
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        if (!process.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{string.Join(' ', args)} did not finish in a minute");
        }
        return process.ExitCode;
    }

    // The example host as its own process: dotnet Lifecycle.dll (copied beside the tests with its runtimeconfig).
    private Process Start(string[] args, string? pauseAt)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = _root,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Lifecycle.dll"));
        foreach (string arg in args) start.ArgumentList.Add(arg);
        start.Environment.Remove(FaultInjection.Variable);
        if (pauseAt is not null) start.Environment[FaultInjection.Variable] = pauseAt;
        var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) output.WriteLine(e.Data); };
        process.Start();
        return process;
    }

    private static string OnlyRun(string runs) => Assert.Single(Directory.GetDirectories(Path.Combine(runs, "pretrain-tiny-gpt")));

    private static byte[] Bytes(string run, string file) => File.ReadAllBytes(Path.Combine(run, file));

    private static string Text(string run, string file) => File.ReadAllText(Path.Combine(run, file));

    private static List<string> Files(string run, string folder) =>
        [.. Directory.EnumerateFiles(Path.Combine(run, folder), "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(run, f)).Order(StringComparer.Ordinal)];

    private static string Report(string run) => ReportScrubber.Scrub(Text(run, "report.md"));

    // The wall-clock fields of the trainer's lines: "pretrain_ms": 10.18, "pretrain_tokens_per_second": 3142.4.
    private static string WithoutTimings(string metrics) => Timing().Replace(metrics, "$1: T");

    [GeneratedRegex("(\"[a-z_]*(?:_ms|per_second)\"): [-0-9.eE+]+")]
    private static partial Regex Timing();
}
