namespace LlmLab.Experiments;

/// <summary>One line of a plot: a legend label and matching x and y values.</summary>
public sealed record PlotSeries(string Label, IReadOnlyList<double> X, IReadOnlyList<double> Y)
{
    public PlotSeries Checked() => X.Count == Y.Count
        ? this
        : throw new ArgumentException($"plot series '{Label}' has {X.Count} x values and {Y.Count} y values");
}

/// <summary>Lines over a numeric x axis, bars over named categories, a heat map of a matrix (one series a row,
/// its label the row's name, its y values the cells; the categories name the columns), or named points over a
/// logarithmic x axis (the categories name the points, the same in every series).</summary>
public enum ChartKind { Line, Bar, Heatmap, LogScatter }

/// <summary>
/// A chart to draw as plots/<see cref="Name"/>.png. A bar chart has one series whose y values go with
/// <see cref="Categories"/>.
/// </summary>
public sealed record ChartSpec(
    string Name,
    string Title,
    string XLabel,
    string YLabel,
    ChartKind Kind,
    IReadOnlyList<PlotSeries> Series,
    IReadOnlyList<string>? Categories = null)
{
    public string FileName => ChartFileName(Name);

    /// <summary>A file name safe on every system: letters, digits, '-', '_' and '.', the rest as '-'.</summary>
    public static string ChartFileName(string name) =>
        new string([.. name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '-')]) + ".png";
}
