using Spectre.Console;

namespace LlmLab.Experiments;

/// <summary>
/// <c>run [NAME] [--set k=v]... [--profile P] [--backend B] [--seed N] [--out DIR]</c>: binds, makes a run folder
/// and runs; <c>run --resume RUNDIR</c>: rebinds what config.yaml recorded and runs again in the same folder with
/// <see cref="ExperimentContext.IsResuming"/> set, so steps continue from their checkpoints.
/// </summary>
internal static class RunCommand
{
    public static int Execute(CommandLine line, HostSession session)
    {
        if (line.Single("resume") is { } resume)
        {
            var others = line.Command.Options.Where(o => o.Name != "resume" && line.Has(o.Name)).Select(o => "--" + o.Name).ToList();
            if (line.Arguments.Count > 0 || others.Count > 0)
                throw new ExperimentConfigException($"run --resume takes the run folder only; drop {string.Join(", ", [.. line.Arguments, .. others])} (the folder's config.yaml decides them)");
            return Resume(resume, session);
        }

        var definition = line.Arguments.Count > 0 ? session.Find(line.Arguments[0]) : session.Default();
        var overrides = HostSession.ParseSettings(line.All("set"));
        ulong seed = HostSession.ParseSeed(line.Single("seed"));
        string? profile = line.Single("profile");
        var bound = definition.Bind(profile, overrides);
        using var backend = HostSession.CreateBackend(line.Single("backend"));

        var config = bound.ToRunConfig(seed, backend.Name, profile);
        var paths = RunFolders.Create(session.RunsFolder(line), config, DateTime.UtcNow);
        return Finish(RunExecutor.Execute(bound, config, paths, backend, resuming: false, session), session);
    }

    private static int Resume(string folder, HostSession session)
    {
        var paths = RunPaths.Of(folder);
        if (!Directory.Exists(paths.Folder)) throw new ExperimentConfigException($"run folder '{folder}' does not exist");
        if (!RunPaths.IsRunFolder(paths.Folder)) throw new ExperimentConfigException($"'{folder}' is not a run folder: it has no config.yaml");
        var config = RunConfigYaml.Read(paths.Config);
        if (File.Exists(paths.Status) && RunStatus.Read(paths.Status).State == RunState.Completed)
            throw new ExperimentConfigException($"the run in '{folder}' already completed; start a new one with: run {config.Experiment}");

        var definition = session.Find(config.Experiment);
        BoundExperiment bound;
        try
        {
            bound = definition.Binder(config.Parameters);
        }
        catch (ExperimentConfigException e)
        {
            throw new ExperimentConfigException($"{HostConsole.Display(paths.Config)} no longer fits experiment '{definition.Name}': {e.Message}");
        }
        using var backend = HostSession.CreateBackend(config.Backend);
        return Finish(RunExecutor.Execute(bound, config, paths, backend, resuming: true, session), session);
    }

    /// <summary>
    /// Tells how the run ended, in one line, and returns its exit code. <paramref name="resume"/> is the command that
    /// continues an interrupted run (a sweep's point is continued by its sweep); run --resume when null.
    /// </summary>
    public static int Finish(RunOutcome outcome, HostSession session, string? resume = null)
    {
        var console = session.Console;
        string folder = HostConsole.Display(outcome.Paths.Folder);
        switch (outcome.State)
        {
            case RunState.Completed:
                var summaries = RunResults.Load(outcome.Paths.Results).Summaries;
                if (summaries.Count > 0)
                {
                    var table = console.NewTable("Figure", "Value");
                    foreach (var (key, value) in summaries) table.AddRow(Markup.Escape(key), Markup.Escape(value.ToString()));
                    console.Write(table);
                }
                console.Line($"report: {HostConsole.Display(outcome.Paths.ReportMarkdown)}");
                break;
            case RunState.Failed:
                console.Fail($"run failed in step {outcome.Step}: {OneLine(outcome.Error)} (details in {HostConsole.Display(outcome.Paths.Log)})");
                break;
            case RunState.Interrupted:
                console.Fail($"interrupted in step {outcome.Step}; continue with: {resume ?? $"run --resume {folder}"}");
                break;
        }
        return outcome.ExitCode;
    }

    private static string OneLine(string? text) => string.Join(" ", (text ?? "").Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}
