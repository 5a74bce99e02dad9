using LlmLab.Training;

namespace LlmLab.Experiments;

/// <summary>
/// The charts a report draws from metrics.jsonl by itself: every loss series on one chart (train_loss beside
/// val_loss), every other series on its own, each against step.
/// </summary>
public static class MetricCharts
{
    public const string Prefix = "metric-";

    public static IReadOnlyList<ChartSpec> For(IReadOnlyList<MetricSeries> metrics)
    {
        var charts = new List<ChartSpec>();
        var losses = metrics.Where(m => MetricNames.IsLoss(m.Name)).ToList();
        if (losses.Count > 0)
            charts.Add(new ChartSpec(Prefix + "loss", losses.Count == 1 ? losses[0].Name : "Loss", "step", "loss", ChartKind.Line,
                [.. losses.Select(Series)]));
        foreach (var metric in metrics.Where(m => !MetricNames.IsLoss(m.Name)))
            charts.Add(new ChartSpec(Prefix + metric.Name, metric.Name, "step", metric.Name, ChartKind.Line, [Series(metric)]));
        return charts;
    }

    private static PlotSeries Series(MetricSeries metric) =>
        new(metric.Name, [.. metric.Points.Select(p => (double)p.Step)], [.. metric.Points.Select(p => p.Value)]);
}
