using Spectre.Console;

namespace LlmLab.Experiments;

/// <summary>
/// Everything an <see cref="ExperimentContext"/> records into: the run folder's paths, the log, the tables, plots
/// and summaries (results.json), and the console for progress. The host makes one per run; a context made without
/// the host gets one over its run folder that writes files only.
/// </summary>
internal sealed class RunRecorder
{
    private readonly Lock _gate = new();
    private bool _liveProgress;

    public RunRecorder(RunPaths paths, IRunConsole? console)
    {
        Paths = paths;
        Console = console?.Output;
        Interactive = console?.Interactive ?? false;
        Log = new RunLog(paths.Log, console is null ? null : console.Line);
        Results = RunResults.Load(paths.Results);
    }

    public RunPaths Paths { get; }
    public IAnsiConsole? Console { get; }
    /// <summary>A terminal: progress bars instead of sparse log lines.</summary>
    public bool Interactive { get; }
    public RunLog Log { get; }
    /// <summary>What the steps recorded; loaded from results.json, so a resumed run keeps what the first attempt recorded.</summary>
    public RunResults Results { get; }

    public static RunRecorder Detached(string runFolder) => new(new RunPaths(runFolder), console: null);

    public void SaveResults() => Results.Save(Paths.Results);

    // Spectre.Console draws one live display at a time: a progress started inside another falls back to log lines.
    internal bool TryStartLiveProgress()
    {
        lock (_gate)
        {
            if (!Interactive || _liveProgress) return false;
            _liveProgress = true;
            return true;
        }
    }

    internal void EndLiveProgress()
    {
        lock (_gate) _liveProgress = false;
    }
}
