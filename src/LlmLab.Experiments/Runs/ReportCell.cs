using System.Globalization;

namespace LlmLab.Experiments;

/// <summary>What a table cell or summary holds: text, a number, or a duration (shown with its unit and scrubbed from snapshots).</summary>
public enum ReportCellKind { Text, Number, Duration }

/// <summary>One value in a report: a number (rounded when shown), a duration in seconds, or text.</summary>
public readonly record struct ReportCell(ReportCellKind Kind, double Number, string? Text)
{
    public static ReportCell OfText(string text) => new(ReportCellKind.Text, double.NaN, text);
    public static ReportCell OfNumber(double value) => new(ReportCellKind.Number, value, null);
    public static ReportCell OfDuration(TimeSpan duration) => new(ReportCellKind.Duration, duration.TotalSeconds, null);

    public bool IsNumeric => Kind is ReportCellKind.Number or ReportCellKind.Duration;

    /// <summary>Numbers (any numeric type) become numbers, a TimeSpan a duration, anything else its invariant text.</summary>
    public static ReportCell From(object? value) => value switch
    {
        null => OfText(""),
        ReportCell cell => cell,
        TimeSpan span => OfDuration(span),
        double d => OfNumber(d),
        float f => OfNumber(f),
        decimal m => OfNumber((double)m),
        int or long or short or byte or sbyte or uint or ulong or ushort => OfNumber(Convert.ToDouble(value, CultureInfo.InvariantCulture)),
        bool b => OfText(b ? "true" : "false"),
        IFormattable formattable => OfText(formattable.ToString(null, CultureInfo.InvariantCulture)),
        _ => OfText(value.ToString() ?? ""),
    };

    /// <summary>As report.md shows it: numbers to 4 significant digits, durations with a unit.</summary>
    public override string ToString() => Kind switch
    {
        ReportCellKind.Number => NumberFormat.Significant(Number),
        ReportCellKind.Duration => NumberFormat.Duration(Number),
        _ => Text ?? "",
    };
}
