using System.Text;
using LlmLab.Training;

namespace LlmLab.Experiments;

/// <summary>
/// report.md of a run: title, description, one header line with the run's name and times (the only line that
/// changes between two runs of the same seed, besides the timings section), status, configuration, summary, one
/// section per table with a sentence saying what it shows, the plots, final metrics, and timings.
/// </summary>
public static class MarkdownReport
{
    /// <summary>The heading of the section whose numbers are wall-clock figures; <see cref="ReportScrubber"/> hides them.</summary>
    public const string TimingsHeading = "## Timings (these vary from run to run)";

    public static string Render(RunReport report)
    {
        var md = new StringBuilder();
        md.Append("# ").Append(report.Config.Experiment).Append("\n\n");
        if (!string.IsNullOrWhiteSpace(report.Status.Description)) md.Append(report.Status.Description.Trim()).Append("\n\n");
        md.Append(HeaderLine(report)).Append("\n\n");
        md.Append("**Status:** ").Append(StatusText(report.Status)).Append("\n\n");

        md.Append("## Configuration\n\n");
        md.Append(MarkdownTable.Render(["Setting", "Value"], ConfigurationRows(report.Config))).Append('\n');

        if (report.Results.Summaries.Count > 0)
        {
            md.Append("## Summary\n\n");
            md.Append(MarkdownTable.Render(["Figure", "Value"],
                report.Results.Summaries.Select(s => (IReadOnlyList<string>)[s.Key, s.Value.ToString()]),
                [false, report.Results.Summaries.All(s => s.Value.IsNumeric)])).Append('\n');
        }

        foreach (var table in report.Results.Tables)
        {
            md.Append("## ").Append(table.Title).Append("\n\n");
            md.Append(table.Sentence ?? SentenceWriter.ForTable(table)).Append("\n\n");
            md.Append(MarkdownTable.Render(table)).Append('\n');
        }

        var charts = report.Charts;
        if (charts.Count > 0)
        {
            md.Append("## Plots\n\n");
            foreach (var chart in charts)
                md.Append("![").Append(chart.Title).Append("](plots/").Append(chart.FileName).Append(")\n\n");
        }

        if (report.SteadyMetrics.Count > 0)
        {
            md.Append("## Final metrics\n\n");
            md.Append(SentenceWriter.ForMetrics(report.Metrics)).Append("\n\n");
            md.Append(MarkdownTable.Render(["Metric", "Final", "At step", "Min", "Max"],
                report.SteadyMetrics.Select(m => (IReadOnlyList<string>)[
                    m.Name, NumberFormat.Significant(m.Final), m.FinalStep.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    NumberFormat.Significant(Finite(m).Min()), NumberFormat.Significant(Finite(m).Max())]),
                [false, true, true, true, true])).Append('\n');
        }

        if (report.TimingMetrics.Count > 0)
        {
            md.Append(TimingsHeading).Append("\n\n");
            md.Append(MarkdownTable.Render(["Metric", "Final", "Mean"],
                report.TimingMetrics.Select(m => (IReadOnlyList<string>)[
                    m.Name, NumberFormat.Significant(m.Final), NumberFormat.Significant(m.Points.Average(p => p.Value))]),
                [false, true, true])).Append('\n');
        }

        return md.ToString().TrimEnd('\n') + "\n";
    }

    // The range of a series' finite values (a diverged NaN shows as the final value); NaN when there are none.
    private static IEnumerable<double> Finite(MetricSeries series) =>
        series.Points.Any(p => double.IsFinite(p.Value)) ? series.Points.Select(p => p.Value).Where(double.IsFinite) : [double.NaN];

    /// <summary>"> Run `NAME` · started TIME · ended TIME · took DURATION": everything about this run that a rerun changes.</summary>
    public static string HeaderLine(RunReport report)
    {
        var line = new StringBuilder("> Run `").Append(report.FolderName).Append("` · started ").Append(RunStatus.Time(report.Status.StartedUtc));
        if (report.Status.EndedUtc is { } ended) line.Append(" · ended ").Append(RunStatus.Time(ended));
        if (report.Duration is { } duration) line.Append(" · took ").Append(NumberFormat.Duration(duration.TotalSeconds));
        return line.ToString();
    }

    public static string StatusText(RunStatus status) => status.State switch
    {
        RunState.Failed => $"failed in step {status.FailedStep ?? "?"}: {status.Error}",
        RunState.Interrupted => status.FailedStep is null ? "interrupted" : $"interrupted in step {status.FailedStep}",
        _ => RunStatus.StateName(status.State),
    } + (status.Resumes > 0 ? $" (resumed {(status.Resumes == 1 ? "once" : status.Resumes + " times")})" : "");

    public static IEnumerable<IReadOnlyList<string>> ConfigurationRows(RunConfig config)
    {
        yield return ["experiment", config.Experiment];
        yield return ["seed", config.Seed.ToString(System.Globalization.CultureInfo.InvariantCulture)];
        yield return ["backend", config.Backend];
        yield return ["profile", config.Profile ?? "(none)"];
        foreach (var (key, value) in config.Parameters) yield return [key, value];
    }
}
