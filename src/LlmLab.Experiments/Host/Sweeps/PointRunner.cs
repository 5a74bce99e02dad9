using System.Globalization;
using LlmLab.Backends;

namespace LlmLab.Experiments;

/// <summary>
/// <c>run-point SWEEPDIR [INDEX] [--indices LIST]</c>: runs one point of a sweep in its run folder
/// (SWEEPDIR/points/INDEX), as a pure function of the index, so any worker on any machine that sees the folder can
/// run any point: it binds what sweep.json records for the point, checks the configuration hash, and runs it - from
/// the start, or from its checkpoints when an earlier attempt was stopped (a time limit, a preemption, SIGTERM). A
/// point already done exits 0 at once. The index comes from the argument, or else from Slurm's
/// SLURM_ARRAY_TASK_ID or Kubernetes' JOB_COMPLETION_INDEX; with --indices the index is a position in that list
/// (a resubmission of some points as a Job whose completion indices count from 0).
/// </summary>
internal static class PointRunner
{
    public const string SlurmIndex = "SLURM_ARRAY_TASK_ID";
    public const string KubernetesIndex = "JOB_COMPLETION_INDEX";

    public static int Execute(CommandLine line, HostSession session)
    {
        string folder = Path.TrimEndingDirectorySeparator(Path.GetFullPath(line.Arguments[0]));
        var sweep = SweepRecord.ReadFolder(folder);
        int index = Index(line.Arguments.Count > 1 ? line.Arguments[1] : null, line.Single("indices"));
        return Run(folder, sweep, index, session, worker: true);
    }

    /// <summary>
    /// Runs point <paramref name="index"/> in this process and returns its exit code; the local executor calls it for
    /// each point. A <paramref name="worker"/> (run-point) shows a completed point's figures (a local sweep leaves them
    /// to its report) and names the sweep folder by its full path (its current folder is whatever the scheduler chose).
    /// </summary>
    public static int Run(string sweepFolder, SweepRecord sweep, int index, HostSession session, bool worker)
    {
        var point = sweep.Point(index);
        var console = session.Console;
        string folder = point.FolderIn(sweepFolder);
        var paths = RunPaths.Of(folder);
        Directory.CreateDirectory(paths.Plots);
        Directory.CreateDirectory(paths.Checkpoints);
        var previous = PointState.Read(folder);

        if (File.Exists(paths.Status) && RunStatus.Read(paths.Status).State == RunState.Completed)
        {
            if (previous?.Phase != PointPhase.Done)
                new PointState(PointPhase.Done, previous?.Attempts ?? 1, previous?.Job, previous?.Host, ExitCodes.Done, DateTime.UtcNow).Write(folder);
            console.Line($"point {index} ({point.Label}) is already done: {HostConsole.Display(folder)}");
            return ExitCodes.Done;
        }

        BoundExperiment bound;
        RunConfig config;
        IBackend? backend = null;
        try
        {
            bound = Bind(sweep, point, session);
            backend = HostSession.CreateBackend(sweep.Backend);
            config = bound.ToRunConfig(sweep.Seed, backend.Name, sweep.Profile);
            if (config.Hash != point.Hash)
                throw new ExperimentConfigException($"point {index} ({point.Label}) now resolves to configuration {config.Hash}, not the {point.Hash} "
                    + "the sweep planned: the experiment or its defaults changed since; start a new sweep");
        }
        catch (ExperimentConfigException)
        {
            backend?.Dispose();
            // Recorded as the point's failure (exit code 2), so sweep status shows it rather than a task that vanished.
            new PointState(PointPhase.Failed, (previous?.Attempts ?? 0) + 1, Job(), Environment.MachineName, ExitCodes.BadUsage, DateTime.UtcNow).Write(folder);
            throw;
        }
        using var owned = backend;

        // An earlier attempt that got as far as writing config.yaml left checkpoints to continue from.
        bool resuming = RunPaths.IsRunFolder(folder);
        var state = new PointState(PointPhase.Running, (previous?.Attempts ?? 0) + 1, Job(), Environment.MachineName, null, DateTime.UtcNow);
        state.Write(folder);
        RunOutcome outcome;
        try
        {
            outcome = RunExecutor.Execute(bound, config, paths, backend, resuming, session);
        }
        catch
        {
            (state with { Phase = PointPhase.Failed, ExitCode = ExitCodes.RunFailed, UpdatedUtc = DateTime.UtcNow }).Write(folder);
            throw;
        }
        var phase = outcome.State switch
        {
            RunState.Completed => PointPhase.Done,
            RunState.Interrupted => PointPhase.Interrupted,
            _ => PointPhase.Failed,
        };
        (state with { Phase = phase, ExitCode = outcome.ExitCode, UpdatedUtc = DateTime.UtcNow }).Write(folder);
        if (outcome.State == RunState.Completed && !worker) return outcome.ExitCode;
        return RunCommand.Finish(outcome, session, $"sweep resume {(worker ? sweepFolder : HostConsole.Display(sweepFolder))}");
    }

    /// <summary>The point bound as sweep.json records it: the profile, the fixed settings, then its grid values.</summary>
    private static BoundExperiment Bind(SweepRecord sweep, SweepPoint point, HostSession session)
    {
        var definition = session.Find(sweep.Experiment);
        try
        {
            return definition.Bind(sweep.Profile, [.. sweep.Fixed, .. point.Combination]);
        }
        catch (ExperimentConfigException e)
        {
            throw new ExperimentConfigException($"point {point.Index} ({point.Label}) no longer fits experiment '{definition.Name}': {e.Message}");
        }
    }

    /// <summary>The index from the argument or the scheduler's variable, through --indices when given.</summary>
    public static int Index(string? argument, string? indices)
    {
        string source = "INDEX";
        string? text = argument;
        if (text is null)
        {
            foreach (string variable in new[] { SlurmIndex, KubernetesIndex })
                if (Environment.GetEnvironmentVariable(variable) is { Length: > 0 } value)
                {
                    (text, source) = (value, variable);
                    break;
                }
        }
        if (text is null)
            throw new ExperimentConfigException($"run-point: give INDEX, or run it where {SlurmIndex} or {KubernetesIndex} is set");
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int index))
            throw new ExperimentConfigException($"run-point: {source} must be a whole number, got '{text}'");
        if (indices is null) return index;

        var list = ParseIndices(indices);
        return index < list.Count ? list[index]
            : throw new ExperimentConfigException($"run-point: {source} {index} is past the end of --indices ({list.Count} listed)");
    }

    /// <summary>"1,3,5-7" as 1, 3, 5, 6, 7.</summary>
    public static IReadOnlyList<int> ParseIndices(string text)
    {
        var list = new List<int>();
        foreach (string part in text.Split(',', StringSplitOptions.TrimEntries))
        {
            string[] range = part.Split('-');
            if (range.Length is 1 or 2 && range.All(r => int.TryParse(r, NumberStyles.None, CultureInfo.InvariantCulture, out _)))
            {
                int first = int.Parse(range[0], CultureInfo.InvariantCulture), last = int.Parse(range[^1], CultureInfo.InvariantCulture);
                if (last >= first)
                {
                    for (int i = first; i <= last; i++) list.Add(i);
                    continue;
                }
            }
            throw new ExperimentConfigException($"--indices expects indices and ranges such as 1,3,5-7, got '{text}'");
        }
        return list;
    }

    /// <summary>"0-2,5,7-9": indices as Slurm's --array and --indices take them (sorted, runs joined).</summary>
    public static string Ranges(IEnumerable<int> indices)
    {
        var sorted = indices.Distinct().Order().ToList();
        var parts = new List<string>();
        for (int i = 0; i < sorted.Count;)
        {
            int j = i;
            while (j + 1 < sorted.Count && sorted[j + 1] == sorted[j] + 1) j++;
            parts.Add(j == i ? Number(sorted[i]) : $"{Number(sorted[i])}-{Number(sorted[j])}");
            i = j + 1;
        }
        return string.Join(',', parts);

        static string Number(int n) => n.ToString(CultureInfo.InvariantCulture);
    }

    // The scheduler's name for this task: Slurm's JOB_INDEX, or the pod (its host name) under a Kubernetes Job.
    private static string? Job()
    {
        if (Environment.GetEnvironmentVariable("SLURM_ARRAY_JOB_ID") is { Length: > 0 } job)
            return $"{job}_{Environment.GetEnvironmentVariable(SlurmIndex)}";
        if (Environment.GetEnvironmentVariable(KubernetesIndex) is { Length: > 0 })
            return Environment.GetEnvironmentVariable("HOSTNAME") ?? Environment.MachineName;
        return null;
    }
}
