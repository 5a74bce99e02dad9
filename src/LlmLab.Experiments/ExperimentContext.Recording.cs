using LlmLab.Training;

namespace LlmLab.Experiments;

// What a step records for the report: metrics over steps, result tables, plots and headline figures.
public sealed partial class ExperimentContext
{
    /// <summary>Appends <c>{"step": N, "name": value, ...}</c> to metrics.jsonl; the report plots every name against step.</summary>
    public void RecordMetrics(long step, IReadOnlyDictionary<string, double> values) =>
        new MetricsLog(MetricsFile).Append(step, values);

    /// <summary>The same as the dictionary form, for a few values: <c>RecordMetrics(step, ("val_loss", loss))</c>.</summary>
    public void RecordMetrics(long step, params (string Name, double Value)[] values) =>
        new MetricsLog(MetricsFile).Append(step, values);

    /// <summary>
    /// A result table for report.md and report.json. Cells are numbers (shown to 4 significant digits), TimeSpans
    /// (durations) or text. Without <paramref name="sentence"/> the report writes one from the numbers. Recording
    /// the same title again replaces the table.
    /// </summary>
    public void Table(string title, IReadOnlyList<string> columns, IEnumerable<IReadOnlyList<object?>> rows, string? sentence = null)
    {
        var cells = new List<IReadOnlyList<ReportCell>>();
        foreach (var row in rows)
        {
            if (row.Count != columns.Count)
                throw new ArgumentException($"table '{title}': a row has {row.Count} cells for {columns.Count} columns", nameof(rows));
            cells.Add([.. row.Select(ReportCell.From)]);
        }
        Recorder.Results.AddTable(new ReportTable(title, [.. columns], cells, sentence));
        Recorder.SaveResults();
    }

    /// <summary>A line plot, drawn as plots/<paramref name="name"/>.png and shown in report.md. Recording the same name again replaces it.</summary>
    public void Plot(string name, string title, string xLabel, string yLabel, IReadOnlyList<PlotSeries> series)
    {
        Recorder.Results.AddPlot(new ChartSpec(name, title, xLabel, yLabel, ChartKind.Line, [.. series.Select(s => s.Checked())]));
        Recorder.SaveResults();
    }

    /// <summary>A heat map of <paramref name="rows"/> (name and cells, one a column of <paramref name="columns"/>),
    /// drawn as plots/<paramref name="name"/>.png with each cell's value on it.</summary>
    public void Heatmap(string name, string title, string xLabel, string yLabel, IReadOnlyList<string> columns,
        IReadOnlyList<(string Name, IReadOnlyList<double> Cells)> rows)
    {
        var series = rows.Select(r => new PlotSeries(r.Name, [.. Enumerable.Range(0, r.Cells.Count).Select(c => (double)c)], r.Cells)).ToArray();
        Recorder.Results.AddPlot(new ChartSpec(name, title, xLabel, yLabel, ChartKind.Heatmap, series, columns));
        Recorder.SaveResults();
    }

    /// <summary>Named points (x &gt; 0 on a log scale), one series per measure, drawn as plots/<paramref name="name"/>.png:
    /// e.g. each method's score against its trainable parameters.</summary>
    public void LogScatter(string name, string title, string xLabel, string yLabel, IReadOnlyList<string> points, IReadOnlyList<PlotSeries> series)
    {
        Recorder.Results.AddPlot(new ChartSpec(name, title, xLabel, yLabel, ChartKind.LogScatter, [.. series.Select(s => s.Checked())], points));
        Recorder.SaveResults();
    }

    /// <summary>A headline figure (shown at the top of the report and at the end of the run).</summary>
    public void Summary(string key, double value) => AddSummary(key, ReportCell.OfNumber(value));

    public void Summary(string key, string value) => AddSummary(key, ReportCell.OfText(value));

    public void Summary(string key, TimeSpan value) => AddSummary(key, ReportCell.OfDuration(value));

    private void AddSummary(string key, ReportCell value)
    {
        Recorder.Results.AddSummary(key, value);
        Recorder.SaveResults();
    }
}
