using System.Globalization;

namespace LlmLab.Experiments;

/// <summary>
/// The canonical text of a parameter value, as config.yaml records it and the config hash is computed from:
/// invariant culture, floats and doubles in round-trip form, bools as "true"/"false", enums by member name.
/// Parsing a canonical text with <see cref="ParameterParsing"/> gives the same value back.
/// </summary>
public static class ParameterText
{
    public static string Format(int value) => value.ToString(CultureInfo.InvariantCulture);
    public static string Format(long value) => value.ToString(CultureInfo.InvariantCulture);
    public static string Format(ulong value) => value.ToString(CultureInfo.InvariantCulture);
    public static string Format(float value) => value.ToString("R", CultureInfo.InvariantCulture);
    public static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);
    public static string Format(bool value) => value ? "true" : "false";
    /// <summary>A null string parameter reads as the empty string.</summary>
    public static string Format(string? value) => value ?? "";
    public static string Format<TEnum>(TEnum value) where TEnum : struct, Enum => value.ToString();
}
