using System.Globalization;
using Spectre.Console;

namespace LlmLab.Experiments;

/// <summary><c>sweep status SWEEPDIR</c>: a row per point (state, exit code, attempts, task, why it stopped), then the last log lines of each point that failed or stopped.</summary>
internal static class SweepStatusCommand
{
    public static int Execute(string folder, SweepRecord sweep, HostSession session)
    {
        var console = session.Console;
        var progress = SweepProgress.Read(folder, sweep, askScheduler: true);
        var jobs = sweep.Submissions.Where(s => s.Job is not null).Select(s => s.Job!).Distinct().ToList();
        console.Line($"sweep of {sweep.Experiment} in {HostConsole.Display(folder)}: {sweep.Points.Count} points, executor {ExecutorSettings.Name(sweep.Executor.Kind)}"
            + (jobs.Count > 0 ? $" (job{(jobs.Count > 1 ? "s" : "")} {string.Join(", ", jobs)})" : ""));

        var table = console.NewTable("Point", "Combination", "State", "Exit", "Attempts", "Task", "Detail");
        foreach (var p in progress.Points)
            table.AddRow(
                p.Point.Index.ToString(CultureInfo.InvariantCulture),
                Markup.Escape(p.Point.Label),
                Markup.Escape(p.Name),
                p.State?.ExitCode is { } code ? code.ToString(CultureInfo.InvariantCulture) : "",
                p.State is { Attempts: > 0 } s ? s.Attempts.ToString(CultureInfo.InvariantCulture) : "",
                Markup.Escape(p.Job ?? ""),
                Markup.Escape(p.Detail ?? ""));
        console.Write(table);

        var counts = progress.Points.GroupBy(p => p.View).OrderBy(g => g.Key).Select(g => $"{g.Count()} {g.First().Name}");
        console.Line($"{sweep.Points.Count} points: {string.Join(", ", counts)}");
        foreach (var p in progress.Points.Where(p => p.View is PointView.Failed or PointView.Interrupted or PointView.Lost))
        {
            var (file, lines) = SweepProgress.LastLines(p.Folder);
            if (file is null) continue;
            console.Line($"point {p.Point.Index} ({p.Point.Label}) {p.Name}{(p.State?.ExitCode is { } code ? $" with exit code {code}" : "")}; last lines of {HostConsole.Display(file)}:");
            foreach (string line in lines) console.Line("  | " + line);
        }
        if (progress.QueueNote is { } note) console.Line(note);

        string shown = HostConsole.Display(folder);
        var todo = progress.Points.Where(p => p.NeedsRun).ToList();
        if (progress.Points.All(p => p.View == PointView.Done))
            console.Line($"all {sweep.Points.Count} points are done; the report: sweep report {shown}");
        else if (todo.Count > 0)
            console.Line($"sweep resume {shown} runs the {todo.Count} point{(todo.Count == 1 ? "" : "s")} not done ({PointRunner.Ranges(todo.Select(p => p.Point.Index))})"
                + (progress.Points.Any(p => p.InFlight) ? "; the ones in flight are left to their jobs" : ""));
        return ExitCodes.Done;
    }
}
