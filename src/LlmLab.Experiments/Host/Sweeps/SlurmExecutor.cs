using System.Globalization;
using System.Reflection;
using System.Text;

namespace LlmLab.Experiments;

/// <summary>
/// <c>--executor slurm</c>: one job array over the points to run, written as SWEEPDIR/slurm-N.sbatch and handed
/// to <c>sbatch</c>, which returns at once; the command prints the job id and ends. Each array task execs
/// <c>run-point SWEEPDIR $SLURM_ARRAY_TASK_ID</c>, so the point itself receives Slurm's SIGTERM (scancel, the time
/// limit, preemption), writes a checkpoint and records "interrupted"; its output goes to
/// SWEEPDIR/points/INDEX/slurm-JOB_INDEX.out. The sweep folder must be on a filesystem the nodes share, at the same path.
/// </summary>
internal static class SlurmExecutor
{
    /// <summary>Seconds before the time limit at which Slurm signals the point to stop at a checkpoint.</summary>
    public const int WarningSeconds = 90;

    public static int Submit(string sweepFolder, SweepRecord sweep, IReadOnlyList<int> indices, HostSession session)
    {
        var console = session.Console;
        int number = sweep.Submissions.Count;
        string script = Path.Combine(sweepFolder, $"slurm-{number}.sbatch");
        LlmLab.IO.AtomicFile.WriteAllText(script, Script(sweepFolder, sweep, indices));

        // Queued before sbatch: a task may start (and record "running") before sbatch has even returned.
        var before = SweepSubmitter.MarkQueued(sweepFolder, sweep, indices);
        var result = ExternalCommand.Run("sbatch", ["--parsable", script], sweepFolder);
        if (!result.Succeeded)
        {
            SweepSubmitter.Restore(before);
            throw new SweepSubmitException(result.Missing
                ? "sbatch is not installed here: submit from a Slurm login node, or use --executor local"
                : $"sbatch refused the array ({HostConsole.Display(script)}): {result.LastLine}");
        }
        string job = result.Output.Trim().Split(';')[0];
        SweepSubmitter.Record(sweepFolder, sweep, new SweepSubmission(number, SweepExecutor.Slurm, job, indices, DateTime.UtcNow, Path.GetFileName(script)));

        string folder = HostConsole.Display(sweepFolder);
        console.Line($"submitted {Points(indices.Count)} of {sweep.Experiment} as Slurm job {job} (array {ArraySpec(indices, sweep.Executor.Parallel)}, script {HostConsole.Display(script)})");
        console.Line($"follow it with: sweep status {folder}; continue what did not finish with: sweep resume {folder}");
        return ExitCodes.Done;
    }

    /// <summary>The array script: #SBATCH lines, the setup lines, then the point, exec'd so that it gets the signals.</summary>
    public static string Script(string sweepFolder, SweepRecord sweep, IReadOnlyList<int> indices)
    {
        var settings = sweep.Executor;
        var worker = settings.Worker ?? CurrentWorker();
        var text = new StringBuilder();
        text.Append("#!/bin/bash\n");
        text.Append($"# LlmLab sweep of {sweep.Experiment}: {Points(indices.Count)} of {sweep.Points.Count}, one array task each. Written by `sweep`;\n");
        text.Append("# `sweep status` follows it, `sweep resume` submits the points not done as a new array.\n");
        text.Append($"#SBATCH --job-name=llmlab-{sweep.Experiment}\n");
        text.Append($"#SBATCH --array={ArraySpec(indices, settings.Parallel)}\n");
        text.Append($"#SBATCH --output={Path.Combine(sweepFolder, SweepPoint.PointsFolder)}/%a/slurm-%A_%a.out\n");
        text.Append($"#SBATCH --chdir={sweepFolder}\n");
        if (settings.Partition is { } partition) text.Append($"#SBATCH --partition={partition}\n");
        if (settings.Time is { } time) text.Append($"#SBATCH --time={time}\n");
        if (settings.Cpus is { } cpus) text.Append($"#SBATCH --cpus-per-task={cpus.ToString(CultureInfo.InvariantCulture)}\n");
        if (settings.Memory is { } memory) text.Append($"#SBATCH --mem={memory}\n");
        if (settings.Gpus is { } gpus) text.Append($"#SBATCH --gres=gpu:{gpus.ToString(CultureInfo.InvariantCulture)}\n");
        // SIGTERM ahead of the time limit, to the batch step (the point, exec'd below): time to write a checkpoint.
        text.Append($"#SBATCH --signal=B:TERM@{WarningSeconds.ToString(CultureInfo.InvariantCulture)}\n");
        foreach (string line in settings.Sbatch) text.Append($"#SBATCH {line}\n");
        text.Append("set -e\n");
        foreach (string line in settings.Setup) text.Append(line).Append('\n');
        text.Append("# exec: the point itself receives Slurm's SIGTERM (scancel, time limit, preemption) and stops at a checkpoint.\n");
        text.Append("exec ").Append(string.Join(' ', worker.Select(Quote)))
            .Append(" run-point ").Append(Quote(sweepFolder)).Append(" \"$SLURM_ARRAY_TASK_ID\"\n");
        return text.ToString();
    }

    /// <summary>"0-2,5%4": the indices as ranges, and at most <paramref name="parallel"/> tasks at once.</summary>
    public static string ArraySpec(IReadOnlyList<int> indices, int? parallel) =>
        PointRunner.Ranges(indices) + (parallel is { } p ? "%" + p.ToString(CultureInfo.InvariantCulture) : "");

    /// <summary>
    /// Slurm's queue for this user as JOB_INDEX → state ("PENDING", "RUNNING", ...), or null with the reason when
    /// squeue cannot be asked.
    /// </summary>
    public static (IReadOnlyDictionary<string, string>? Tasks, string? Problem) Queue()
    {
        var result = ExternalCommand.Run("squeue", ["-u", Environment.UserName, "-h", "-r", "-o", "%F_%K %T"], timeoutSeconds: 30);
        if (!result.Succeeded)
            return (null, $"squeue could not be asked ({result.LastLine}): queued and running are as the points last recorded them");
        var tasks = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string line in result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            string[] parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 2) tasks[parts[0]] = parts[1];
        }
        return (tasks, null);
    }

    /// <summary>
    /// How a node starts this host: the running executable, or <c>dotnet HOST.dll</c> when it runs through dotnet.
    /// The build must be on the shared filesystem too (or --worker names one that is).
    /// </summary>
    public static IReadOnlyList<string> CurrentWorker()
    {
        string process = Environment.ProcessPath ?? "dotnet";
        string? entry = Assembly.GetEntryAssembly()?.Location;
        return Path.GetFileNameWithoutExtension(process) == "dotnet" && entry is { Length: > 0 } ? [process, entry] : [process];
    }

    /// <summary>A word for bash: single-quoted unless it is plainly safe.</summary>
    public static string Quote(string word) =>
        word.Length > 0 && word.All(c => char.IsAsciiLetterOrDigit(c) || "/._-=+:@,".Contains(c))
            ? word
            : "'" + word.Replace("'", "'\\''") + "'";

    private static string Points(int count) => count == 1 ? "1 point" : $"{count} points";
}
