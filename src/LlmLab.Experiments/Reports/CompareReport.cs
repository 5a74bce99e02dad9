using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using LlmLab.IO;

namespace LlmLab.Experiments;

/// <summary>
/// Runs side by side: the settings that differ between them (experiment, seed, backend, profile, parameters), and
/// each run's status, final metrics and summary figures, with a sentence on the metric that matters most.
/// </summary>
public sealed record Comparison(
    IReadOnlyList<string> RunNames,
    IReadOnlyList<RunReport> Runs,
    ReportTable Differences,
    ReportTable Results,
    ReportTable Timings)
{
    public bool SameConfiguration => Differences.Rows.Count == 0;

    /// <summary>The results with runs as rows and metrics as columns: the shape the sentence writer reads.</summary>
    public string Sentence()
    {
        var metricRows = Results.Rows.Skip(1).Where(r => r.Skip(1).All(c => c.IsNumeric)).ToList();
        var byRun = new ReportTable("", ["run", .. metricRows.Select(r => r[0].ToString())],
            [.. RunNames.Select((name, i) => (IReadOnlyList<ReportCell>)[ReportCell.OfText(name), .. metricRows.Select(r => r[i + 1])])]);
        return SentenceWriter.ForTable(byRun);
    }
}

public static class CompareReport
{
    public static Comparison Build(IReadOnlyList<string> folders)
    {
        var runs = folders.Select(RunReport.Load).ToList();
        var names = runs.Select(r => r.FolderName).ToList();
        for (int i = 0; i < names.Count; i++)
            if (names.Take(i).Contains(names[i])) names[i] = $"{names[i]} #{i + 1}";

        // Settings in the order first seen; "—" where a run does not have a parameter.
        var settings = new List<string> { "experiment", "seed", "backend", "profile" };
        foreach (var run in runs) foreach (var (key, _) in run.Config.Parameters) if (!settings.Contains(key)) settings.Add(key);
        string Setting(RunReport run, string key) => key switch
        {
            "experiment" => run.Config.Experiment,
            "seed" => run.Config.Seed.ToString(CultureInfo.InvariantCulture),
            "backend" => run.Config.Backend,
            "profile" => run.Config.Profile ?? "(none)",
            _ => run.Config[key] ?? "—",
        };
        var differences = settings
            .Select(key => (Key: key, Values: runs.Select(r => Setting(r, key)).ToList()))
            .Where(s => s.Values.Distinct().Count() > 1)
            .Select(s => (IReadOnlyList<ReportCell>)[ReportCell.OfText(s.Key), .. s.Values.Select(ReportCell.OfText)])
            .ToList();

        var metricNames = runs.SelectMany(r => r.Metrics).Select(m => m.Name).Distinct().ToList();
        // Durations among the summary figures vary from run to run: they go with the timings.
        var timedFigures = runs.SelectMany(r => r.Results.Summaries).Where(s => s.Value.Kind == ReportCellKind.Duration).Select(s => s.Key).Distinct().ToList();
        var figureNames = runs.SelectMany(r => r.Results.Summaries).Select(s => s.Key).Distinct().Where(k => !timedFigures.Contains(k)).ToList();
        ReportCell Final(RunReport run, string metric) =>
            run.Metrics.FirstOrDefault(m => m.Name == metric) is { } m ? ReportCell.OfNumber(m.Final) : ReportCell.OfText("—");
        ReportCell Figure(RunReport run, string key) =>
            run.Results.Summaries.FirstOrDefault(s => s.Key == key) is { Key: not null } s ? s.Value : ReportCell.OfText("—");

        var results = new List<IReadOnlyList<ReportCell>>();
        results.Add([ReportCell.OfText("status"), .. runs.Select(r => ReportCell.OfText(RunStatus.StateName(r.Status.State)))]);
        results.AddRange(metricNames.Where(n => !MetricNames.IsTiming(n)).Select(n => (IReadOnlyList<ReportCell>)[ReportCell.OfText(n), .. runs.Select(r => Final(r, n))]));
        results.AddRange(figureNames.Select(k => (IReadOnlyList<ReportCell>)[ReportCell.OfText(k), .. runs.Select(r => Figure(r, k))]));
        var timings = metricNames.Where(MetricNames.IsTiming)
            .Select(n => (IReadOnlyList<ReportCell>)[ReportCell.OfText(n), .. runs.Select(r => Final(r, n))])
            .Concat(timedFigures.Select(k => (IReadOnlyList<ReportCell>)[ReportCell.OfText(k), .. runs.Select(r => Figure(r, k))]))
            .ToList();

        return new Comparison(names, runs,
            new ReportTable("Configuration differences", ["setting", .. names], differences),
            new ReportTable("Results", ["", .. names], results),
            new ReportTable("Timings", ["metric", .. names], timings));
    }

    /// <summary>One chart per metric (timings aside) with a line for each run that recorded it.</summary>
    public static IReadOnlyList<ChartSpec> Charts(Comparison comparison)
    {
        var charts = new List<ChartSpec>();
        foreach (string name in comparison.Runs.SelectMany(r => r.Metrics).Select(m => m.Name).Distinct().Where(n => !MetricNames.IsTiming(n)))
        {
            var series = new List<PlotSeries>();
            for (int i = 0; i < comparison.Runs.Count; i++)
                if (comparison.Runs[i].Metrics.FirstOrDefault(m => m.Name == name) is { } metric)
                    series.Add(new PlotSeries(comparison.RunNames[i], [.. metric.Points.Select(p => (double)p.Step)], [.. metric.Points.Select(p => p.Value)]));
            charts.Add(new ChartSpec("compare-" + name, name, "step", name, ChartKind.Line, series));
        }
        return charts;
    }

    public static string Markdown(Comparison comparison)
    {
        var md = new StringBuilder("# Comparison of ").Append(comparison.Runs.Count).Append(" runs\n\n");
        md.Append("## Configuration differences\n\n");
        md.Append(comparison.SameConfiguration
            ? "The runs have the same configuration.\n\n"
            : MarkdownTable.Render(comparison.Differences) + "\n");
        md.Append("## Results\n\n").Append(comparison.Sentence()).Append("\n\n").Append(MarkdownTable.Render(comparison.Results)).Append('\n');
        var charts = Charts(comparison);
        if (charts.Count > 0)
        {
            md.Append("## Plots\n\n");
            foreach (var chart in charts) md.Append("![").Append(chart.Title).Append("](plots/").Append(chart.FileName).Append(")\n\n");
        }
        if (comparison.Timings.Rows.Count > 0)
            md.Append(MarkdownReport.TimingsHeading).Append("\n\n").Append(MarkdownTable.Render(comparison.Timings)).Append('\n');
        return md.ToString().TrimEnd('\n') + "\n";
    }

    public static string Json(Comparison comparison) => new JsonObject
    {
        ["runs"] = new JsonArray([.. comparison.RunNames.Select(n => JsonValue.Create(n))]),
        ["sameConfiguration"] = comparison.SameConfiguration,
        ["differences"] = ReportJsonCodec.Table(comparison.Differences),
        ["results"] = ReportJsonCodec.Table(comparison.Results, comparison.Sentence()),
        ["timings"] = ReportJsonCodec.Table(comparison.Timings),
    }.ToJsonString(ReportJsonCodec.Options) + "\n";

    /// <summary>Writes DIR/report.md, DIR/report.json and DIR/plots/; returns the path of report.md.</summary>
    public static string Write(Comparison comparison, string folder)
    {
        string plots = Path.Combine(folder, "plots");
        Directory.CreateDirectory(plots);
        foreach (var chart in Charts(comparison)) ChartRenderer.Write(chart, plots);
        AtomicFile.WriteAllText(Path.Combine(folder, "report.json"), Json(comparison));
        AtomicFile.WriteAllText(Path.Combine(folder, "report.md"), Markdown(comparison));
        return Path.Combine(folder, "report.md");
    }
}
