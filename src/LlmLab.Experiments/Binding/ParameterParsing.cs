namespace LlmLab.Experiments;

/// <summary>
/// Parses a parameter's value text (from <c>--set</c>, a profile or YAML) into its type, then applies the
/// parameter's range or choices. Invariant culture; numbers and bools may carry surrounding spaces, strings are
/// taken as written. Every failure is one <see cref="ExperimentConfigException"/> naming the key, the value and
/// what was expected. Generated binders call these; the rules are <see cref="ValueRules"/>, the one copy the
/// generator also compiles to check YAML and profiles at build time.
/// </summary>
public static class ParameterParsing
{
    public static int ParseInt32(ParameterSpec spec, string text) =>
        ValueRules.ParseInt32(spec.Key, text, spec.Min, spec.Max, out var value) is { } error ? throw Refused(error) : value;

    public static long ParseInt64(ParameterSpec spec, string text) =>
        ValueRules.ParseInt64(spec.Key, text, spec.Min, spec.Max, out var value) is { } error ? throw Refused(error) : value;

    public static ulong ParseUInt64(ParameterSpec spec, string text) =>
        ValueRules.ParseUInt64(spec.Key, text, spec.Min, spec.Max, out var value) is { } error ? throw Refused(error) : value;

    public static float ParseSingle(ParameterSpec spec, string text) =>
        ValueRules.ParseSingle(spec.Key, text, spec.Min, spec.Max, out var value) is { } error ? throw Refused(error) : value;

    public static double ParseDouble(ParameterSpec spec, string text) =>
        ValueRules.ParseDouble(spec.Key, text, spec.Min, spec.Max, out var value) is { } error ? throw Refused(error) : value;

    public static bool ParseBoolean(ParameterSpec spec, string text) =>
        ValueRules.ParseBoolean(spec.Key, text, out var value) is { } error ? throw Refused(error) : value;

    public static string ParseString(ParameterSpec spec, string text) =>
        ValueRules.CheckChoice(spec.Key, text, spec.Choices) is { } error ? throw Refused(error) : text;

    /// <summary>An enum member by name, ignoring case (numbers are not accepted: they say nothing on a command line).</summary>
    public static TEnum ParseEnum<TEnum>(ParameterSpec spec, string text) where TEnum : struct, Enum =>
        ValueRules.ParseMember(spec.Key, text, Enum.GetNames<TEnum>(), out var member) is { } error
            ? throw Refused(error)
            : Enum.Parse<TEnum>(member);

    internal static ExperimentConfigException Refused(ValueError error) => new(error.Message);
}
