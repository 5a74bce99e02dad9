namespace LlmLab.Experiments;

/// <summary>
/// <c>sweep NAME --grid k=v1,v2 [--grid ...] [--set ...] [--profile P] [--backend B] [--seed N] [--out DIR]
/// [--executor local|slurm|kubernetes] [executor options]</c>: checks every combination binds before anything runs,
/// writes the sweep folder runs/NAME/sweep-&lt;time&gt;/ (sweep.json with the point list and each point's config
/// hash, and points/INDEX/ for each point's run), then hands the points to the executor: the local one runs them here
/// and writes the comparison report; Slurm and Kubernetes submit them and return at once. Then
/// <c>sweep status|resume|report SWEEPDIR</c> follow, continue and report the sweep from its folder alone.
/// </summary>
internal static class SweepCommand
{
    private static readonly string[] Actions = ["status", "resume", "report"];

    public static int Execute(CommandLine line, HostSession session)
    {
        string first = line.Arguments[0];
        if (!Actions.Contains(first))
        {
            if (line.Arguments.Count > 1) throw new ExperimentConfigException($"sweep: unexpected argument '{line.Arguments[1]}'");
            return Start(line, session);
        }
        if (line.Arguments.Count < 2) throw new ExperimentConfigException($"sweep {first}: expected SWEEPDIR (a runs/NAME/sweep-<time> folder)");
        string folder = Path.TrimEndingDirectorySeparator(Path.GetFullPath(line.Arguments[1]));

        // status and report take the folder only; resume takes executor options, which override what was recorded.
        var allowed = first == "resume" ? ExecutorOptions.All.ToHashSet() : [];
        var refused = line.Command.Options.Where(o => line.Has(o.Name) && !allowed.Contains(o.Name)).Select(o => "--" + o.Name).ToList();
        if (refused.Count > 0)
            throw new ExperimentConfigException($"sweep {first} takes the sweep folder{(first == "resume" ? " and executor options" : "")} only; "
                + $"drop {string.Join(", ", refused)} (sweep.json decides them)");

        var sweep = SweepRecord.ReadFolder(folder);
        return first switch
        {
            "status" => SweepStatusCommand.Execute(folder, sweep, session),
            "resume" => Resume(line, folder, sweep, session),
            _ => Report(folder, sweep, session),
        };
    }

    private static int Start(CommandLine line, HostSession session)
    {
        var executor = ExecutorOptions.Parse(line, recorded: null);
        var (folder, sweep) = Plan(line, session, executor);
        string what = $"sweep of {sweep.Experiment}: {sweep.Points.Count} combinations into {HostConsole.Display(folder)}";
        // The Kubernetes manifest is printed on standard output: everything else there is a YAML comment.
        session.Console.Line(executor.Kind == SweepExecutor.Kubernetes && !line.Has("apply") ? "# " + what : what);
        return Dispatch(folder, sweep, [.. sweep.Points.Select(p => p.Index)], line.Has("apply"), session);
    }

    private static int Resume(CommandLine line, string folder, SweepRecord sweep, HostSession session)
    {
        var executor = ExecutorOptions.Parse(line, sweep.Executor);
        if (executor.Kind == SweepExecutor.Slurm && executor.Worker is null) executor = executor with { Worker = SlurmExecutor.CurrentWorker() };
        var progress = SweepProgress.Read(folder, sweep, askScheduler: true);
        var console = session.Console;
        if (progress.QueueNote is { } note) console.Fail(note);

        // A point queued or running for a local sweep has no one running it now: that sweep was stopped.
        var todo = progress.Points.Where(p => p.NeedsRun || p.InFlight && sweep.LastSubmissionOf(p.Point.Index)?.Executor is null or SweepExecutor.Local).ToList();
        var inFlight = progress.Points.Where(p => p.InFlight && !todo.Contains(p)).ToList();
        if (inFlight.Count > 0)
            console.Line($"{inFlight.Count} of {sweep.Points.Count} points are still queued or running ({PointRunner.Ranges(inFlight.Select(p => p.Point.Index))}): left to their jobs");
        if (todo.Count == 0)
        {
            console.Line(inFlight.Count > 0
                ? "nothing to resume yet; sweep status follows the points still in flight"
                : $"nothing to resume: all {sweep.Points.Count} points are done; the report: sweep report {HostConsole.Display(folder)}");
            return ExitCodes.Done;
        }

        sweep = sweep with { Executor = executor };
        sweep.Write(folder);
        string what = $"resuming sweep of {sweep.Experiment}: {todo.Count} of {sweep.Points.Count} points ({PointRunner.Ranges(todo.Select(p => p.Point.Index))}) in {HostConsole.Display(folder)}";
        console.Line(executor.Kind == SweepExecutor.Kubernetes && !line.Has("apply") ? "# " + what : what);
        return Dispatch(folder, sweep, [.. todo.Select(p => p.Point.Index)], line.Has("apply"), session);
    }

    private static int Report(string folder, SweepRecord sweep, HostSession session)
    {
        string report = SweepReport.Write(folder);
        session.Console.Line($"sweep report: {HostConsole.Display(report)}");
        var missing = SweepProgress.Read(folder, sweep, askScheduler: false).Points.Where(p => p.View != PointView.Done).ToList();
        if (missing.Count > 0)
            session.Console.Line($"{missing.Count} of {sweep.Points.Count} points have no completed run in it: "
                + string.Join("; ", missing.Select(p => $"{p.Point.Index} ({p.Point.Label}) {p.Name}"))
                + $"; sweep status {HostConsole.Display(folder)} says more");
        return ExitCodes.Done;
    }

    private static int Dispatch(string folder, SweepRecord sweep, IReadOnlyList<int> indices, bool apply, HostSession session)
    {
        try
        {
            return sweep.Executor.Kind switch
            {
                SweepExecutor.Slurm => SlurmExecutor.Submit(folder, sweep, indices, session),
                SweepExecutor.Kubernetes => KubernetesExecutor.Submit(folder, sweep, indices, apply, session),
                _ => LocalExecutor.Run(folder, sweep, indices, session),
            };
        }
        catch (SweepSubmitException e)
        {
            session.Console.Fail("error: " + e.Message);
            session.Console.Fail($"the sweep folder stays; submit it again with: sweep resume {HostConsole.Display(folder)} "
                + "(an executor option given there replaces the recorded one)");
            return ExitCodes.RunFailed;
        }
    }

    /// <summary>
    /// Binds every combination (a bad value stops the sweep before any folder is made), then writes the sweep folder:
    /// sweep.json with each point's grid values and config hash, and an empty run folder per point.
    /// </summary>
    private static (string Folder, SweepRecord Sweep) Plan(CommandLine line, HostSession session, ExecutorSettings executor)
    {
        var definition = session.Find(line.Arguments[0]);
        var grid = ParseGrid(line.All("grid"));
        var fixedSettings = HostSession.ParseSettings(line.All("set"));
        ulong seed = HostSession.ParseSeed(line.Single("seed"));
        string? profile = line.Single("profile");

        foreach (var (key, _) in fixedSettings)
            if (grid.FirstOrDefault(a => KeyRules.Matches(a.Key, key)) is { } clash)
                throw new ExperimentConfigException($"'{clash.Key}' is both swept (--grid) and fixed (--set); keep one");

        var combinations = SweepRecord.Combinations(grid);
        var bound = combinations.Select(c =>
        {
            try { return definition.Bind(profile, [.. fixedSettings, .. c]); }
            catch (ExperimentConfigException e)
            {
                throw new ExperimentConfigException($"combination {string.Join(", ", c.Select(p => $"{p.Key}={p.Value}"))}: {e.Message}");
            }
        }).ToList();
        // Show keys as the experiment spells them (learning_rate -> LearningRate).
        grid = [.. grid.Select(a => a with { Key = Canonical(a.Key, bound[0]) })];
        fixedSettings = [.. fixedSettings.Select(s => KeyValuePair.Create(Canonical(s.Key, bound[0]), s.Value))];

        string backendName = Backend(line.Single("backend"), executor.Kind);
        var points = combinations.Select((c, i) => new SweepPoint(i,
            [.. c.Select(p => KeyValuePair.Create(Canonical(p.Key, bound[i]), p.Value))],
            bound[i].ToRunConfig(seed, backendName, profile).Hash)).ToList();

        // Nodes start the host the way this process was started, unless --worker says otherwise.
        if (executor.Kind == SweepExecutor.Slurm && executor.Worker is null) executor = executor with { Worker = SlurmExecutor.CurrentWorker() };
        var started = DateTime.UtcNow;
        string folder = RunFolders.CreateSweep(session.RunsFolder(line), definition.Name, started);
        var sweep = new SweepRecord(definition.Name, definition.Description, started, profile, seed, backendName, fixedSettings, grid, points, executor, []);
        foreach (var point in points) Directory.CreateDirectory(point.FolderIn(folder));
        sweep.Write(folder);
        return (folder, sweep);
    }

    /// <summary>
    /// The backend's name as every point records it. Here it is opened once to check it (and to resolve "auto");
    /// for a cluster it is checked by name only, since the nodes, not this machine, must have it.
    /// </summary>
    private static string Backend(string? name, SweepExecutor executor)
    {
        if (executor == SweepExecutor.Local)
        {
            using var probe = HostSession.CreateBackend(name);
            return probe.Name;
        }
        string backend = (name ?? ExperimentHost.DefaultBackend).Trim().ToLowerInvariant();
        if (backend == "auto")
            throw new ExperimentConfigException("--backend auto would resolve on each node, and points could differ; name one: cpu, cuda, opencl or ilgpu-cpu");
        if (!LlmLab.Backends.Backend.Names.Contains(backend))
            throw new ExperimentConfigException($"unknown backend '{name}'; choose one of {string.Join(", ", LlmLab.Backends.Backend.Names.Where(n => n != "auto"))}"
                + Suggestions.DidYouMean(backend, LlmLab.Backends.Backend.Names));
        return backend;
    }

    /// <summary>--grid values: "key=v1,v2,..." each; a key may appear once.</summary>
    public static IReadOnlyList<SweepAxis> ParseGrid(IReadOnlyList<string> grids)
    {
        if (grids.Count == 0) throw new ExperimentConfigException("sweep needs at least one --grid KEY=V1,V2");
        var axes = new List<SweepAxis>();
        foreach (var (key, values) in HostSession.ParseSettings(grids, "--grid"))
        {
            var list = values.Split(',').Select(v => v.Trim()).ToList();
            if (list.Any(v => v.Length == 0)) throw new ExperimentConfigException($"--grid {key}={values}: a value is empty");
            if (axes.Any(a => KeyRules.Matches(a.Key, key))) throw new ExperimentConfigException($"--grid {key} is given twice");
            axes.Add(new SweepAxis(key, list));
        }
        return axes;
    }

    // Keys match as the binder matches them (KeyRules: ignoring case, '_' and '-').
    private static string Canonical(string key, BoundExperiment bound) =>
        bound.Parameters.FirstOrDefault(p => KeyRules.Matches(p.Key, key)).Key ?? key;
}
