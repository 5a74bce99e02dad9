namespace LlmLab.Experiments;

/// <summary>A scheduler refused or could not be reached: one line, exit code 1, and no point left marked queued.</summary>
internal sealed class SweepSubmitException(string message) : Exception(message);

/// <summary>
/// What every executor does around a hand-over: marks the points queued (before the scheduler can start them),
/// puts their states back when it refuses, and records the submission in sweep.json.
/// </summary>
internal static class SweepSubmitter
{
    public static IReadOnlyList<(string Folder, PointState? State)> MarkQueued(string sweepFolder, SweepRecord sweep, IReadOnlyList<int> indices)
    {
        var before = new List<(string, PointState?)>();
        foreach (int index in indices)
        {
            string folder = sweep.Point(index).FolderIn(sweepFolder);
            Directory.CreateDirectory(folder);
            var state = PointState.Read(folder);
            before.Add((folder, state));
            new PointState(PointPhase.Queued, state?.Attempts ?? 0, null, null, null, DateTime.UtcNow).Write(folder);
        }
        return before;
    }

    public static void Restore(IReadOnlyList<(string Folder, PointState? State)> before)
    {
        foreach (var (folder, state) in before)
            if (state is null) File.Delete(PointState.PathIn(folder));
            else state.Write(folder);
    }

    public static SweepRecord Record(string sweepFolder, SweepRecord sweep, SweepSubmission submission)
    {
        var updated = sweep with { Submissions = [.. sweep.Submissions, submission] };
        updated.Write(sweepFolder);
        return updated;
    }
}
