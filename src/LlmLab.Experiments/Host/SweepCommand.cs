using LlmLab.IO;

namespace LlmLab.Experiments;

/// <summary>
/// <c>sweep NAME --grid k=v1,v2 [--grid ...] [--set ...] [--profile P] [--backend B] [--seed N] [--out DIR]</c>:
/// checks every combination binds before running any, runs them in grid order (one run folder each), then writes
/// runs/NAME/sweep-&lt;time&gt;/ with sweep.json and a comparison report. Ctrl+C stops after the current run.
/// </summary>
internal static class SweepCommand
{
    public static int Execute(CommandLine line, HostSession session)
    {
        var definition = session.Find(line.Arguments[0]);
        var grid = ParseGrid(line.All("grid"));
        var fixedSettings = HostSession.ParseSettings(line.All("set"));
        ulong seed = HostSession.ParseSeed(line.Single("seed"));
        string? profile = line.Single("profile");

        foreach (var (key, _) in fixedSettings)
            if (grid.FirstOrDefault(a => KeyRules.Matches(a.Key, key)) is { } clash)
                throw new ExperimentConfigException($"'{clash.Key}' is both swept (--grid) and fixed (--set); keep one");

        // Bind every combination first: a bad value in the grid stops the sweep before anything runs.
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

        string backendName;
        using (var probe = HostSession.CreateBackend(line.Single("backend"))) backendName = probe.Name;

        string root = session.RunsFolder(line);
        var started = DateTime.UtcNow;
        string sweepFolder = RunFolders.CreateSweep(root, definition.Name, started);
        session.Console.Line($"sweep of {definition.Name}: {combinations.Count} combinations into {HostConsole.Display(sweepFolder)}");

        var runs = new List<SweepRun>();
        var record = new SweepRecord(definition.Name, definition.Description, started, null, profile, seed, backendName, fixedSettings, grid, runs);
        int exitCode = ExitCodes.Done;
        for (int i = 0; i < combinations.Count; i++)
        {
            if (session.Cancellation.IsCancellationRequested) { exitCode = ExitCodes.Interrupted; break; }
            var combination = combinations[i].Select(c => KeyValuePair.Create(Canonical(c.Key, bound[i]), c.Value)).ToList();
            session.Console.Line($"({i + 1}/{combinations.Count}) {string.Join(", ", combination.Select(c => $"{c.Key}={c.Value}"))}");

            using var backend = HostSession.CreateBackend(backendName);
            var config = bound[i].ToRunConfig(seed, backend.Name, profile);
            var paths = RunFolders.Create(root, config, DateTime.UtcNow);
            var outcome = RunExecutor.Execute(bound[i], config, paths, backend, resuming: false, session);
            runs.Add(new SweepRun(combination, paths.Name, outcome.State));
            AtomicFile.WriteAllText(Path.Combine(sweepFolder, SweepRecord.FileName), record.ToJson());

            if (outcome.State == RunState.Interrupted) { RunCommand.Finish(outcome, session); exitCode = ExitCodes.Interrupted; break; }
            if (outcome.State == RunState.Failed) { RunCommand.Finish(outcome, session); exitCode = ExitCodes.RunFailed; }
        }

        record = record with { EndedUtc = DateTime.UtcNow };
        AtomicFile.WriteAllText(Path.Combine(sweepFolder, SweepRecord.FileName), record.ToJson());
        string report = SweepReport.Write(sweepFolder);
        session.Console.Line($"sweep report: {HostConsole.Display(report)}");
        return exitCode;
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
