namespace LlmLab.Experiments;

/// <summary>
/// The canonical text of a parameter value, as config.yaml records it and the config hash is computed from:
/// invariant culture, floats and doubles in round-trip form, bools as "true"/"false", enums by member name.
/// Parsing a canonical text with <see cref="ParameterParsing"/> gives the same value back. The number and bool forms
/// are <see cref="ValueRules"/>'s, which the generator also uses for the profile values it records.
/// </summary>
public static class ParameterText
{
    public static string Format(int value) => ValueRules.Format(value);
    public static string Format(long value) => ValueRules.Format(value);
    public static string Format(ulong value) => ValueRules.Format(value);
    public static string Format(float value) => ValueRules.Format(value);
    public static string Format(double value) => ValueRules.Format(value);
    public static string Format(bool value) => ValueRules.Format(value);
    /// <summary>A null string parameter reads as the empty string.</summary>
    public static string Format(string? value) => value ?? "";
    public static string Format<TEnum>(TEnum value) where TEnum : struct, Enum => value.ToString();
}
