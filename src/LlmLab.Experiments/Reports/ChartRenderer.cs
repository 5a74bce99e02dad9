using LlmLab.IO;

namespace LlmLab.Experiments;

/// <summary>Draws a <see cref="ChartSpec"/> as a PNG with ScottPlot (SkiaSharp; its Linux assets need no system libraries).</summary>
public static class ChartRenderer
{
    public const int Width = 800;
    public const int Height = 450;

    public static byte[] Png(ChartSpec chart)
    {
        var plot = new ScottPlot.Plot();
        plot.Title(chart.Title);
        plot.XLabel(chart.XLabel);
        plot.YLabel(chart.YLabel);

        if (chart.Kind == ChartKind.Bar) DrawBars(plot, chart);
        else DrawLines(plot, chart);

        return plot.GetImageBytes(Width, Height, ScottPlot.ImageFormat.Png);
    }

    public static void Write(ChartSpec chart, string plotsFolder) =>
        AtomicFile.WriteAllBytes(Path.Combine(plotsFolder, chart.FileName), Png(chart));

    private static void DrawLines(ScottPlot.Plot plot, ChartSpec chart)
    {
        foreach (var series in chart.Series)
        {
            // NaN or infinite points (a diverged loss) would wreck the axis limits; they are left out of the line.
            var points = series.X.Zip(series.Y).Where(p => double.IsFinite(p.First) && double.IsFinite(p.Second)).ToArray();
            var scatter = plot.Add.Scatter(points.Select(p => p.First).ToArray(), points.Select(p => p.Second).ToArray());
            scatter.LegendText = series.Label;
            scatter.LineWidth = 2;
            scatter.MarkerSize = points.Length <= 30 ? 5 : 0;
        }
        if (chart.Series.Count > 1) plot.ShowLegend(ScottPlot.Alignment.UpperRight);
    }

    private static void DrawBars(ScottPlot.Plot plot, ChartSpec chart)
    {
        var values = chart.Series.Count > 0 ? chart.Series[0].Y.Select(y => double.IsFinite(y) ? y : 0).ToArray() : [];
        plot.Add.Bars(values);
        var categories = chart.Categories ?? [.. values.Select((_, i) => (i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture))];
        double[] positions = [.. Enumerable.Range(0, values.Length).Select(i => (double)i)];
        plot.Axes.Bottom.SetTicks(positions, [.. categories.Take(values.Length)]);
        if (categories.Any(c => c.Length > 12))
        {
            plot.Axes.Bottom.TickLabelStyle.Rotation = 30;
            plot.Axes.Bottom.TickLabelStyle.Alignment = ScottPlot.Alignment.MiddleLeft;
            plot.Axes.Bottom.MinimumSize = 120;
        }
        plot.Axes.Margins(bottom: 0);
    }
}
