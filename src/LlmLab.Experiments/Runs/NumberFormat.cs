using System.Globalization;

namespace LlmLab.Experiments;

/// <summary>How reports show numbers: 4 significant digits, whole numbers in full, invariant culture.</summary>
public static class NumberFormat
{
    public const int SignificantDigits = 4;

    /// <summary>
    /// 2.30514 -> "2.305", 12345.6 -> "12350", 0.000123456 -> "0.0001235", 1.5e-7 -> "1.5e-07"; a whole number below
    /// 10^15 (a count: parameters, tokens, steps) in full; NaN and infinities by name.
    /// </summary>
    public static string Significant(double value)
    {
        if (double.IsNaN(value)) return "NaN";
        if (double.IsInfinity(value)) return value > 0 ? "inf" : "-inf";
        if (value == 0) return "0";
        double magnitude = Math.Abs(value);
        if (value == Math.Floor(value) && magnitude < 1e15) return value.ToString("0", CultureInfo.InvariantCulture);
        if (magnitude < 1e-4 || magnitude >= 1e15) return value.ToString("0.###e+00", CultureInfo.InvariantCulture);

        int exponent = (int)Math.Floor(Math.Log10(magnitude));
        int decimals = SignificantDigits - 1 - exponent;
        if (decimals >= 0)
        {
            double rounded = Math.Round(value, Math.Min(decimals, 15), MidpointRounding.AwayFromZero);
            return Trim(rounded.ToString("F" + decimals, CultureInfo.InvariantCulture));
        }
        double scale = Math.Pow(10, -decimals);
        return (Math.Round(value / scale, MidpointRounding.AwayFromZero) * scale).ToString("0", CultureInfo.InvariantCulture);
    }

    /// <summary>A duration with a unit: "850 ms", "12.35 s", "3.5 min", "1.2 h".</summary>
    public static string Duration(double seconds) => Math.Abs(seconds) switch
    {
        < 1 => Significant(seconds * 1000) + " ms",
        < 120 => Significant(seconds) + " s",
        < 7200 => Significant(seconds / 60) + " min",
        _ => Significant(seconds / 3600) + " h",
    };

    /// <summary>A relative change as a percentage with 3 significant digits at most: "12.3%", "0.5%".</summary>
    public static string Percent(double fraction)
    {
        double percent = Math.Abs(fraction) * 100;
        string text = percent >= 100 ? Math.Round(percent, MidpointRounding.AwayFromZero).ToString("0", CultureInfo.InvariantCulture)
            : percent >= 10 ? Trim(percent.ToString("F1", CultureInfo.InvariantCulture))
            : Trim(percent.ToString("F2", CultureInfo.InvariantCulture));
        return text + "%";
    }

    /// <summary>A ratio to 3 significant digits: "2.35", "19.5", "187".</summary>
    public static string Ratio(double ratio) =>
        ratio >= 100 ? Math.Round(ratio, MidpointRounding.AwayFromZero).ToString("0", CultureInfo.InvariantCulture)
        : ratio >= 10 ? Trim(Math.Round(ratio, 1, MidpointRounding.AwayFromZero).ToString("F1", CultureInfo.InvariantCulture))
        : Trim(Math.Round(ratio, 2, MidpointRounding.AwayFromZero).ToString("F2", CultureInfo.InvariantCulture));

    private static string Trim(string text) =>
        text.Contains('.') ? text.TrimEnd('0').TrimEnd('.') : text;
}
