using System.Globalization;

namespace LlmLab.Experiments;

/// <summary>
/// Parses a parameter's value text (from <c>--set</c>, a profile or YAML) into its type, then applies the
/// parameter's range or choices. Invariant culture; numbers and bools may carry surrounding spaces, strings are
/// taken as written. Every failure is one <see cref="ExperimentConfigException"/> naming the key, the value and
/// what was expected. Generated binders call these; the generator checks YAML and profiles by the same rules.
/// </summary>
public static class ParameterParsing
{
    public static int ParseInt32(ParameterSpec spec, string text)
    {
        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value))
            throw NotA(spec, text, "an int (a whole number from -2147483648 to 2147483647)");
        ParameterChecks.CheckRange(spec, value, text);
        return value;
    }

    public static long ParseInt64(ParameterSpec spec, string text)
    {
        if (!long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value))
            throw NotA(spec, text, "a long (a whole number)");
        ParameterChecks.CheckRange(spec, value, text);
        return value;
    }

    public static ulong ParseUInt64(ParameterSpec spec, string text)
    {
        if (!ulong.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value))
            throw NotA(spec, text, "a ulong (a whole number, 0 or more)");
        ParameterChecks.CheckRange(spec, value, text);
        return value;
    }

    public static float ParseSingle(ParameterSpec spec, string text)
    {
        if (!float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
            throw NotA(spec, text, "a float (a number such as 0.5 or 1e-3)");
        ParameterChecks.CheckRange(spec, value, text);
        return value;
    }

    public static double ParseDouble(ParameterSpec spec, string text)
    {
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
            throw NotA(spec, text, "a double (a number such as 0.5 or 1e-3)");
        ParameterChecks.CheckRange(spec, value, text);
        return value;
    }

    public static bool ParseBoolean(ParameterSpec spec, string text) => text.Trim().ToLowerInvariant() switch
    {
        "true" => true,
        "false" => false,
        _ => throw NotA(spec, text, "a bool (true or false)"),
    };

    public static string ParseString(ParameterSpec spec, string text)
    {
        ParameterChecks.CheckChoice(spec, text);
        return text;
    }

    /// <summary>An enum member by name, ignoring case (numbers are not accepted: they say nothing on a command line).</summary>
    public static TEnum ParseEnum<TEnum>(ParameterSpec spec, string text) where TEnum : struct, Enum
    {
        var names = Enum.GetNames<TEnum>();
        var trimmed = text.Trim();
        var name = Array.Find(names, n => n == trimmed) ?? Array.Find(names, n => string.Equals(n, trimmed, StringComparison.OrdinalIgnoreCase));
        if (name is null) throw new ExperimentConfigException(ParameterChecks.NotAChoiceMessage(spec.Key, trimmed, names));
        return Enum.Parse<TEnum>(name);
    }

    static ExperimentConfigException NotA(ParameterSpec spec, string text, string expected) =>
        new($"{spec.Key}: '{text}' is not {expected}");
}
