namespace LlmLab.Experiments;

/// <summary>
/// <c>--executor local</c> (the default): runs the points in this process, one after another, each through the same
/// <see cref="PointRunner"/> a cluster worker uses, then writes the sweep's report. A failing point fails the sweep
/// (exit code 1) but the others run; Ctrl+C stops the running point at a checkpoint and ends the sweep (130), and
/// <c>sweep resume</c> continues it.
/// </summary>
internal static class LocalExecutor
{
    public static int Run(string sweepFolder, SweepRecord sweep, IReadOnlyList<int> indices, HostSession session)
    {
        var console = session.Console;
        sweep = SweepSubmitter.Record(sweepFolder, sweep,
            new SweepSubmission(sweep.Submissions.Count, SweepExecutor.Local, null, indices, DateTime.UtcNow, null));

        int exitCode = ExitCodes.Done;
        for (int i = 0; i < indices.Count; i++)
        {
            if (session.Cancellation.IsCancellationRequested) { exitCode = ExitCodes.Interrupted; break; }
            var point = sweep.Point(indices[i]);
            console.Line($"({i + 1}/{indices.Count}) {point.Label}");
            int code = PointRunner.Run(sweepFolder, sweep, point.Index, session, worker: false);
            if (code == ExitCodes.Interrupted) { exitCode = code; break; }
            if (code != ExitCodes.Done) exitCode = ExitCodes.RunFailed;
        }

        string report = SweepReport.Write(sweepFolder);
        console.Line($"sweep report: {HostConsole.Display(report)}");
        if (exitCode == ExitCodes.Interrupted)
            console.Fail($"sweep interrupted; continue it with: sweep resume {HostConsole.Display(sweepFolder)}");
        return exitCode;
    }
}
