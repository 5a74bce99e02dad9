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
        else if (chart.Kind == ChartKind.Heatmap) DrawHeatmap(plot, chart);
        else if (chart.Kind == ChartKind.LogScatter) DrawLogScatter(plot, chart);
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

    // Points at log10(x), ticks at the powers of ten between; the first series' points are named by their
    // categories (the others share their x, so one set of names reads without overlaps), with room on the right.
    private static void DrawLogScatter(ScottPlot.Plot plot, ChartSpec chart)
    {
        var all = chart.Series.SelectMany(s => s.X).Where(x => x > 0 && double.IsFinite(x)).ToArray();
        foreach (var series in chart.Series)
        {
            bool named = ReferenceEquals(series, chart.Series[0]);
            var points = series.X.Zip(series.Y).Select((p, i) => (p.First, p.Second, Name: chart.Categories?.ElementAtOrDefault(i)))
                .Where(p => p.First > 0 && double.IsFinite(p.First) && double.IsFinite(p.Second)).ToArray();
            var scatter = plot.Add.Scatter(points.Select(p => Math.Log10(p.First)).ToArray(), points.Select(p => p.Second).ToArray());
            scatter.LegendText = series.Label;
            scatter.LineWidth = 0;
            scatter.MarkerSize = 9;
            foreach (var p in points.Where(p => named && p.Name is not null))
            {
                var label = plot.Add.Text(p.Name!, Math.Log10(p.First), p.Second);
                label.LabelFontSize = 11;
                label.LabelOffsetX = 6;
                label.LabelFontColor = scatter.Color;
            }
        }
        if (all.Length > 0)
        {
            int low = (int)Math.Floor(Math.Log10(all.Min())), high = (int)Math.Ceiling(Math.Log10(all.Max()));
            var ticks = Enumerable.Range(low, high - low + 1).ToArray();
            plot.Axes.Bottom.SetTicks([.. ticks.Select(t => (double)t)], [.. ticks.Select(t => "1e" + t.ToString(System.Globalization.CultureInfo.InvariantCulture))]);
            plot.Axes.SetLimitsX(Math.Log10(all.Min()) - 0.2, Math.Log10(all.Max()) + 0.6);
        }
        if (chart.Series.Count > 1) plot.ShowLegend(ScottPlot.Alignment.LowerRight);
    }

    // Row r of the matrix is drawn at y = rows - 1 - r (ScottPlot puts the first row of the data at the top), each
    // cell with its value written on it.
    private static void DrawHeatmap(ScottPlot.Plot plot, ChartSpec chart)
    {
        int rows = chart.Series.Count, columns = chart.Series.Count == 0 ? 0 : chart.Series.Max(s => s.Y.Count);
        var data = new double[rows, columns];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < columns; c++) data[r, c] = c < chart.Series[r].Y.Count ? chart.Series[r].Y[c] : double.NaN;
        var heatmap = plot.Add.Heatmap(data);
        heatmap.Colormap = new ScottPlot.Colormaps.Viridis();
        // Scores and shares share one scale, so heat maps of several methods compare by colour.
        double low = data.Cast<double>().Where(double.IsFinite).DefaultIfEmpty(0).Min(), high = data.Cast<double>().Where(double.IsFinite).DefaultIfEmpty(1).Max();
        if (low >= 0 && high <= 1) heatmap.ManualRange = new ScottPlot.Range(0, 1);
        plot.Add.ColorBar(heatmap);
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < columns; c++)
            {
                if (!double.IsFinite(data[r, c])) continue;
                var label = plot.Add.Text(data[r, c].ToString("0.00", System.Globalization.CultureInfo.InvariantCulture), c, rows - 1 - r);
                label.LabelAlignment = ScottPlot.Alignment.MiddleCenter;
                label.LabelFontColor = ScottPlot.Colors.Black;
                label.LabelBackgroundColor = ScottPlot.Colors.White.WithAlpha(0.7);
                label.LabelFontSize = 16;
            }
        var categories = chart.Categories ?? [.. Enumerable.Range(1, columns).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture))];
        plot.Axes.Bottom.SetTicks([.. Enumerable.Range(0, columns).Select(c => (double)c)], [.. categories.Take(columns)]);
        plot.Axes.Left.SetTicks([.. Enumerable.Range(0, rows).Select(r => (double)(rows - 1 - r))], [.. chart.Series.Select(s => s.Label)]);
    }
}
