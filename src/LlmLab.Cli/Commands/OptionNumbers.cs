using System.Globalization;

namespace LlmLab.Cli.Commands;

/// <summary>Number options of the llmlab commands, read from the shared <see cref="OptionParser"/>; a bad one is a usage error.</summary>
internal static class OptionNumbers
{
    /// <summary>An integer option (invariant culture), or null when it was not given; anything else is a usage error.</summary>
    public static long? Integer(this OptionParser options, string name, long min = long.MinValue)
    {
        if (options.Value(name) is not { } text) return null;
        if (!long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long value))
            throw CliException.Usage($"option '{name}' needs an integer, got '{text}'");
        if (value < min) throw CliException.Usage($"option '{name}' must be at least {min}, got {value}");
        return value;
    }

    /// <summary>A float64 number option (invariant culture, exponents allowed, finite), or null when it was not
    /// given: for values such as FLOP counts (1e21) that float would round.</summary>
    public static double? Float64(this OptionParser options, string name)
    {
        if (options.Value(name) is not { } text) return null;
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) || !double.IsFinite(value))
            throw CliException.Usage($"option '{name}' needs a number, got '{text}'");
        return value;
    }

    /// <summary>A number option (invariant culture, '.' as the decimal point), or null when it was not given.</summary>
    public static float? Number(this OptionParser options, string name)
    {
        if (options.Value(name) is not { } text) return null;
        if (!float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out float value) || !float.IsFinite(value))
            throw CliException.Usage($"option '{name}' needs a number, got '{text}'");
        return value;
    }
}
