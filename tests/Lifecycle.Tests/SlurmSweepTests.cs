using System.Diagnostics;
using System.Text.RegularExpressions;
using LlmLab.Experiments;
using LlmLab.Training;
using Xunit.Abstractions;

namespace Lifecycle.Tests;

/// <summary>
/// A sweep on a real Slurm: .ci/slurm-up.sh starts (or finds) a single-node cluster (munge, slurmctld,
/// slurmd -N localhost), and the example host (Lifecycle.dll, a child process, as a user runs it) submits
/// pretrain-tiny-gpt's quick profile over three learning rates as one job array, two tasks at a time. One task is
/// cancelled while it waits and one while it trains (scancel: SIGTERM, so it stops at a checkpoint); `sweep status`
/// must name both, `sweep resume` resubmits exactly those two as a new array, and the final report must equal a local
/// sweep of the same grid apart from times and timings, each point's results.json byte for byte. A submission sbatch
/// refuses (an unknown partition) must fail in one line and leave no point queued. No mocks and no
/// skipping: if Slurm cannot start, the test fails with the script's reason.
/// </summary>
public sealed partial class SlurmSweepTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("llmlab-slurm-sweep-").FullName;
    private readonly List<string> _jobs = [];

    private static readonly string[] Grid =
        ["sweep", "pretrain-tiny-gpt", "--profile", "quick", "--grid", "LearningRate=0.001,0.002,0.003", "--backend", "cpu", "--seed", "5"];

    public void Dispose()
    {
        // A failed test leaves no job behind to run into the next one.
        foreach (string job in _jobs) Command("scancel", [job], TimeSpan.FromSeconds(30));
        try { Directory.Delete(_root, recursive: true); }
        catch (IOException) { }
    }

    [Fact]
    public void A_sweep_submitted_as_an_array_survives_cancelled_tasks_and_reports_as_the_local_executor()
    {
        var clock = Stopwatch.StartNew();
        SlurmUp();
        output.WriteLine($"slurm up: {clock.Elapsed.TotalSeconds:F1} s");

        // A submission sbatch refuses is one line and exit code 1, and leaves no point marked queued.
        var refused = Host([.. Grid, "--out", Path.Combine(_root, "refused"), "--executor", "slurm", "--partition", "no-such-partition"]);
        Assert.True(refused.Code == ExitCodes.RunFailed, refused.Output);
        Assert.Matches(@"error: sbatch refused the array \(.*slurm-0\.sbatch\): .*partition", refused.Output);
        string refusedSweep = Assert.Single(Directory.GetDirectories(Path.Combine(_root, "refused", "pretrain-tiny-gpt"), "sweep-*"));
        Assert.Empty(Directory.GetFiles(refusedSweep, PointState.FileName, SearchOption.AllDirectories));

        // Submitted as one array; the command returns at once.
        var submit = Host([.. Grid, "--out", Path.Combine(_root, "slurm"), "--executor", "slurm", "--parallel", "2", "--cpus", "1", "--time", "20"]);
        Assert.True(submit.Code == 0, submit.Output);
        string job = Regex.Match(submit.Output, @"as Slurm job (\d+) \(array 0-2%2").Groups[1].Value;
        Assert.True(job.Length > 0, submit.Output);
        _jobs.Add(job);
        string sweep = Assert.Single(Directory.GetDirectories(Path.Combine(_root, "slurm", "pretrain-tiny-gpt"), "sweep-*"));
        Assert.Contains($"#SBATCH --array=0-2%2", File.ReadAllText(Path.Combine(sweep, "slurm-0.sbatch")));

        // Task 2 waits behind the %2 limit: cancelled there, it never starts. Task 1 is cancelled after its first
        // checkpoint: SIGTERM, so it finishes its step, writes a checkpoint and records "interrupted".
        WaitFor(() => Directory.Exists(Path.Combine(sweep, "points", "1", "checkpoints", "pretrain", "step-000010")), "point 1's first checkpoint", sweep);
        bool pending = Queue().GetValueOrDefault($"{job}_2") == "PENDING";
        Command("scancel", [$"{job}_2"]);
        Command("scancel", [$"{job}_1"]);
        WaitFor(() => Phase(sweep, 0) == PointPhase.Done && Phase(sweep, 1) == PointPhase.Interrupted && !Queue().Keys.Any(k => k.StartsWith(job + "_", StringComparison.Ordinal)),
            "point 0 done, point 1 interrupted and the array gone from the queue", sweep);
        output.WriteLine($"first array ended: {clock.Elapsed.TotalSeconds:F1} s");

        var status = Host(["sweep", "status", sweep]);
        Assert.True(status.Code == 0, status.Output);
        Assert.Matches(@"\| 0 +\| LearningRate=0\.001 +\| done +\| 0 ", status.Output);
        Assert.Matches(@"\| 1 +\| LearningRate=0\.002 +\| interrupted +\| 130 +\| 1 +\| " + job + "_1", status.Output);
        // Cancelled while pending, it never recorded anything: squeue's silence is what says it is lost.
        Assert.Matches(pending ? @"\| 2 +\| LearningRate=0\.003 +\| lost " : @"\| 2 +\| LearningRate=0\.003 +\| (lost|interrupted) ", status.Output);
        Assert.Contains("stopping on SIGTERM: the current step saves a checkpoint and returns", status.Output);
        Assert.Contains($"sweep resume {Path.GetRelativePath(_root, sweep)} runs the 2 points not done (1-2)", status.Output);

        var partial = Host(["sweep", "report", sweep]);
        Assert.Contains("2 of 3 points have no completed run in it", partial.Output);
        Assert.Contains("**Missing:** 2 of 3 combinations have no completed run yet: LearningRate=0.002 (interrupted)", File.ReadAllText(Path.Combine(sweep, "report.md")));

        // Resubmitted: a new array over exactly the two points not done.
        var resume = Host(["sweep", "resume", sweep]);
        Assert.True(resume.Code == 0, resume.Output);
        string again = Regex.Match(resume.Output, @"as Slurm job (\d+) \(array 1-2%2").Groups[1].Value;
        Assert.True(again.Length > 0, resume.Output);
        _jobs.Add(again);
        WaitFor(() => Enumerable.Range(0, 3).All(i => Phase(sweep, i) is PointPhase.Done or PointPhase.Failed), "every point to end", sweep);
        output.WriteLine($"resumed array ended: {clock.Elapsed.TotalSeconds:F1} s");

        status = Host(["sweep", "status", sweep]);
        Assert.Contains("all 3 points are done", status.Output);
        Assert.Contains("pretrain: resuming from step", File.ReadAllText(Path.Combine(sweep, "points", "1", "log.txt")));
        Assert.Equal(2, PointState.Read(Path.Combine(sweep, "points", "1"))!.Attempts);
        Assert.Equal(0, Host(["sweep", "report", sweep]).Code);

        // The same grid with the local executor: the same report, apart from times and timings.
        var local = Host([.. Grid, "--out", Path.Combine(_root, "local")]);
        Assert.True(local.Code == 0, local.Output);
        string here = Assert.Single(Directory.GetDirectories(Path.Combine(_root, "local", "pretrain-tiny-gpt"), "sweep-*"));
        output.WriteLine($"local sweep ended: {clock.Elapsed.TotalSeconds:F1} s");

        Assert.Equal(Report(here), Report(sweep));
        foreach (string point in new[] { "0", "1", "2" })
        {
            Assert.Equal(Text(here, point, "results.json"), Text(sweep, point, "results.json"));
            Assert.Equal(WithoutTimings(Text(here, point, "metrics.jsonl")), WithoutTimings(Text(sweep, point, "metrics.jsonl")));
        }
    }

    /// <summary>
    /// Runs .ci/slurm-up.sh (idempotent: quick when the node is up) with --empty-queue: the array's %2 limit and the
    /// cancellations below assume the node's CPUs are this test's alone, so jobs an earlier, killed run left go
    /// first. Its failure is this test's, with its words.
    /// </summary>
    private void SlurmUp()
    {
        string script = Path.Combine(RepositoryRoot(), ".ci", "slurm-up.sh");
        var (code, text) = Command("bash", [script, "--empty-queue"], TimeSpan.FromMinutes(10));
        output.WriteLine(text.Trim());
        Assert.True(code == 0, $"Slurm could not be started for this test ({script} exited with {code}):\n{text}");
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Experiments.sln"))) return dir.FullName;
        throw new DirectoryNotFoundException("cannot find the repository root (Experiments.sln) above the test binaries");
    }

    // Slurm's queue for this user: JOB_INDEX -> state.
    private Dictionary<string, string> Queue()
    {
        var (code, text) = Command("squeue", ["-u", Environment.UserName, "-h", "-r", "-o", "%F_%K %T"]);
        Assert.True(code == 0, $"squeue failed: {text}");
        return text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(l => l.Split(' ')).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1]);
    }

    private static PointPhase? Phase(string sweep, int index) => PointState.Read(Path.Combine(sweep, "points", index.ToString(System.Globalization.CultureInfo.InvariantCulture)))?.Phase;

    private void WaitFor(Func<bool> done, string what, string sweep)
    {
        var clock = Stopwatch.StartNew();
        while (!done())
        {
            if (clock.Elapsed > TimeSpan.FromMinutes(8))
            {
                var status = Host(["sweep", "status", sweep]);
                Assert.Fail($"waited 8 minutes for {what}; sweep status says:\n{status.Output}\nsqueue: {Command("squeue", []).Output}");
            }
            Thread.Sleep(100);
        }
    }

    /// <summary>The example host as its own process (dotnet Lifecycle.dll), as a user starts it; output and errors together.</summary>
    private (int Code, string Output) Host(string[] args)
    {
        var (code, text) = Command(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet",
            [Path.Combine(AppContext.BaseDirectory, "Lifecycle.dll"), .. args], TimeSpan.FromMinutes(10));
        output.WriteLine($"$ {string.Join(' ', args)}  (exit {code})\n{text}");
        return (code, text);
    }

    private (int Code, string Output) Command(string program, IReadOnlyList<string> args, TimeSpan? limit = null)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = _root,
        };
        foreach (string arg in args) start.ArgumentList.Add(arg);
        start.Environment.Remove(FaultInjection.Variable);
        using var process = new Process { StartInfo = start };
        var text = new System.Text.StringBuilder();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (text) text.Append(e.Data).Append('\n'); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (text) text.Append(e.Data).Append('\n'); };
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return (-1, $"{program}: {e.Message}");
        }
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!process.WaitForExit(limit ?? TimeSpan.FromSeconds(60)))
        {
            process.Kill(entireProcessTree: true);
            return (-1, $"{program} {string.Join(' ', args)} did not finish in time:\n{text}");
        }
        process.WaitForExit();
        lock (text) return (process.ExitCode, text.ToString());
    }

    private static string Report(string sweep) => ReportScrubber.Scrub(File.ReadAllText(Path.Combine(sweep, "report.md")));

    private static string Text(string sweep, string point, string file) => File.ReadAllText(Path.Combine(sweep, "points", point, file));

    // The wall-clock fields of the trainer's lines: "pretrain_ms": 10.18, "pretrain_tokens_per_second": 3142.4.
    private static string WithoutTimings(string metrics) => Timing().Replace(metrics, "$1: T");

    [GeneratedRegex("(\"[a-z_]*(?:_ms|per_second)\"): [-0-9.eE+]+")]
    private static partial Regex Timing();
}
