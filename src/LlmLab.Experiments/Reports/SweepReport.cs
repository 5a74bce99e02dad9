using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using LlmLab.IO;

namespace LlmLab.Experiments;

/// <summary>
/// The comparison report of a sweep folder: one row per combination with its status, the final value of each
/// metric and each numeric summary figure, a sentence saying which combination did best, a bar chart per metric,
/// and the timings apart. Rendered from sweep.json and the points' run folders, from whatever has finished: a point
/// that has not (still queued or running, failed, stopped) is a row that says so, and a "Missing" line lists them.
/// </summary>
public static class SweepReport
{
    public static bool IsSweepFolder(string folder) => File.Exists(Path.Combine(folder, SweepRecord.FileName));

    /// <summary>Writes report.md, report.json and plots/ in the sweep folder; returns the path of report.md.</summary>
    public static string Write(string sweepFolder)
    {
        string folder = Path.TrimEndingDirectorySeparator(Path.GetFullPath(sweepFolder));
        var sweep = SweepRecord.Read(Path.Combine(folder, SweepRecord.FileName));
        // Whatever has run so far: a point with no run folder yet is a row that says where it stands.
        var runs = sweep.Points.Select(p => (Run: p, Report: RunPaths.IsRunFolder(p.FolderIn(folder)) ? RunReport.Load(p.FolderIn(folder)) : null)).ToList();

        // Columns: the union of the runs' metrics (timings apart) and numeric summaries, in the order first seen.
        var metricNames = runs.SelectMany(r => r.Report?.Metrics ?? []).Select(m => m.Name).Distinct().ToList();
        var steady = metricNames.Where(n => !MetricNames.IsTiming(n)).ToList();
        var timings = metricNames.Where(MetricNames.IsTiming).ToList();
        // Summary figures: numbers beside the metrics; durations with the timings.
        var summaries = runs.SelectMany(r => r.Report?.Results.Summaries ?? []).ToList();
        var figures = summaries.Where(s => s.Value.Kind == ReportCellKind.Number).Select(s => s.Key).Distinct().Where(k => !steady.Contains(k)).ToList();
        var timedFigures = summaries.Where(s => s.Value.Kind == ReportCellKind.Duration).Select(s => s.Key).Distinct().Where(k => !figures.Contains(k)).ToList();

        ReportCell Final(RunReport? report, string metric) =>
            report?.Metrics.FirstOrDefault(m => m.Name == metric) is { } series ? ReportCell.OfNumber(series.Final) : ReportCell.OfText("—");
        ReportCell Figure(RunReport? report, string key) =>
            report?.Results.Summaries.FirstOrDefault(s => s.Key == key) is { Key: not null } s ? s.Value : ReportCell.OfText("—");

        var results = new ReportTable("Results",
            ["combination", "status", .. steady, .. figures, "run"],
            [.. runs.Select(r => (IReadOnlyList<ReportCell>)[
                ReportCell.OfText(r.Run.Label),
                ReportCell.OfText(r.Report is null ? NotRun(folder, r.Run) : RunStatus.StateName(r.Report.Status.State)),
                .. steady.Select(m => Final(r.Report, m)),
                .. figures.Select(k => Figure(r.Report, k)),
                ReportCell.OfText($"[{r.Run.Folder}]({r.Run.Folder}/report.md)")])]);
        var timingTable = new ReportTable("Timings", ["combination", .. timings, .. timedFigures],
            [.. runs.Select(r => (IReadOnlyList<ReportCell>)[ReportCell.OfText(r.Run.Label), .. timings.Select(m => Final(r.Report, m)), .. timedFigures.Select(k => Figure(r.Report, k))])]);

        var charts = steady.Concat(figures).Select(name => new ChartSpec(
            "final-" + name, $"{name} per combination", "combination", name, ChartKind.Bar,
            [new PlotSeries(name, [.. runs.Select((_, i) => (double)i)], [.. runs.Select(r => (steady.Contains(name) ? Final(r.Report, name) : Figure(r.Report, name)) is { IsNumeric: true } c ? c.Number : double.NaN)])],
            [.. runs.Select(r => string.Join(", ", r.Run.Combination.Select(c => c.Value)))])).ToList();

        string plots = Path.Combine(folder, "plots");
        Directory.CreateDirectory(plots);
        foreach (var chart in charts) ChartRenderer.Write(chart, plots);

        string name = Path.GetFileName(folder);
        var ended = Ended(runs.Select(r => r.Report?.Status));
        int ran = runs.Count(r => r.Report is not null);
        var missing = runs.Where(r => r.Report?.Status.State != RunState.Completed)
            .Select(r => $"{r.Run.Label} ({(r.Report is null ? NotRun(folder, r.Run) : RunStatus.StateName(r.Report.Status.State))})").ToList();
        AtomicFile.WriteAllText(Path.Combine(folder, "report.md"), Markdown(sweep, name, ended, ran, missing, results, timingTable, charts));
        AtomicFile.WriteAllText(Path.Combine(folder, "report.json"), Json(sweep, name, missing, results, timingTable, charts));
        return Path.Combine(folder, "report.md");
    }

    /// <summary>"queued" or "running" as the point recorded it (its run has not begun), else "not run".</summary>
    private static string NotRun(string folder, SweepPoint point) =>
        PointState.Read(point.FolderIn(folder)) is { Phase: PointPhase.Queued or PointPhase.Running } state ? PointState.Name(state.Phase) : "not run";

    /// <summary>When the last point ended, once every point has a run that ended; null while any is still to run.</summary>
    private static DateTime? Ended(IEnumerable<RunStatus?> statuses)
    {
        DateTime? last = null;
        foreach (var status in statuses)
        {
            if (status?.EndedUtc is not { } ended || status.State == RunState.Running) return null;
            if (last is null || ended > last) last = ended;
        }
        return last;
    }

    private static string Markdown(SweepRecord sweep, string name, DateTime? ended, int ran, IReadOnlyList<string> missing,
        ReportTable results, ReportTable timings, IReadOnlyList<ChartSpec> charts)
    {
        var md = new StringBuilder();
        md.Append("# Sweep of ").Append(sweep.Experiment).Append("\n\n");
        if (!string.IsNullOrWhiteSpace(sweep.Description)) md.Append(sweep.Description.Trim()).Append("\n\n");
        md.Append("> Sweep `").Append(name).Append("` · started ").Append(RunStatus.Time(sweep.StartedUtc));
        if (ended is { } end)
            md.Append(" · ended ").Append(RunStatus.Time(end)).Append(" · took ").Append(NumberFormat.Duration((end - sweep.StartedUtc).TotalSeconds));
        md.Append("\n\n");

        md.Append("**Grid:** ").Append(string.Join(" × ", sweep.Grid.Select(a => $"{a.Key} = {string.Join(", ", a.Values)}")))
          .Append($" ({ran} of {sweep.Points.Count} combinations run)\n\n");
        if (missing.Count > 0)
            md.Append("**Missing:** ").Append(missing.Count).Append(" of ").Append(sweep.Points.Count)
              .Append(missing.Count == 1 ? " combinations has" : " combinations have").Append(" no completed run yet: ")
              .Append(string.Join("; ", missing)).Append(". `sweep resume` runs them; this report shows what has finished.\n\n");
        md.Append("**Shared:** seed ").Append(sweep.Seed).Append(", backend ").Append(sweep.Backend)
          .Append(", profile ").Append(sweep.Profile ?? "(none)");
        foreach (var (key, value) in sweep.Fixed) md.Append(", ").Append(key).Append('=').Append(value);
        md.Append("\n\n");

        md.Append("## Results\n\n");
        md.Append(SentenceWriter.ForTable(WithoutRunColumn(results))).Append("\n\n");
        md.Append(MarkdownTable.Render(results)).Append('\n');

        if (charts.Count > 0)
        {
            md.Append("## Plots\n\n");
            foreach (var chart in charts) md.Append("![").Append(chart.Title).Append("](plots/").Append(chart.FileName).Append(")\n\n");
        }
        if (timings.Columns.Count > 1)
        {
            md.Append(MarkdownReport.TimingsHeading).Append("\n\n");
            md.Append(MarkdownTable.Render(timings)).Append('\n');
        }
        return md.ToString().TrimEnd('\n') + "\n";
    }

    private static string Json(SweepRecord sweep, string name, IReadOnlyList<string> missing, ReportTable results, ReportTable timings, IReadOnlyList<ChartSpec> charts)
    {
        var json = JsonNode.Parse(sweep.ToJson())!.AsObject();
        json["folder"] = name;
        json["missing"] = new JsonArray([.. missing.Select(m => JsonValue.Create(m))]);
        json["results"] = ReportJsonCodec.Table(results, SentenceWriter.ForTable(WithoutRunColumn(results)));
        json["timings"] = ReportJsonCodec.Table(timings);
        json["plots"] = new JsonArray([.. charts.Select(c => ReportJsonCodec.Chart(c, withData: false))]);
        return json.ToJsonString(ReportJsonCodec.Options) + "\n";
    }

    // The run column holds links: not a label to name rows by in the sentence.
    private static ReportTable WithoutRunColumn(ReportTable table) => table with
    {
        Columns = [.. table.Columns.Take(table.Columns.Count - 1)],
        Rows = [.. table.Rows.Select(r => (IReadOnlyList<ReportCell>)[.. r.Take(r.Count - 1)])],
    };
}
