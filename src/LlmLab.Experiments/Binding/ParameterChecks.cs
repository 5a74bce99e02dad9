using System.Globalization;

namespace LlmLab.Experiments;

/// <summary>The range and choice checks of a parameter's <see cref="ParamAttribute"/>, applied after parsing.</summary>
public static class ParameterChecks
{
    /// <summary>Throws when <paramref name="value"/> lies outside the inclusive [Min, Max] of <paramref name="spec"/>.</summary>
    public static void CheckRange(ParameterSpec spec, double value, string text)
    {
        if (spec.Min is null && spec.Max is null) return;
        var inside = !double.IsNaN(value) && !(spec.Min is { } min && value < min) && !(spec.Max is { } max && value > max);
        if (!inside)
            throw new ExperimentConfigException($"{spec.Key}: {text.Trim()} is out of range; expected {RangeText(spec.Min, spec.Max)}");
    }

    /// <summary>Throws when <paramref name="spec"/> lists choices and <paramref name="value"/> is not one of them (exact match).</summary>
    public static void CheckChoice(ParameterSpec spec, string value)
    {
        if (spec.Choices is not { Count: > 0 } choices || choices.Contains(value)) return;
        throw new ExperimentConfigException(NotAChoiceMessage(spec.Key, value, choices));
    }

    /// <summary>"Key: 'v' is not one of a, b, c[; did you mean b?]".</summary>
    public static string NotAChoiceMessage(string key, string value, IReadOnlyList<string> choices)
    {
        var closest = ClosestChoice(value, choices);
        return $"{key}: '{value}' is not one of {string.Join(", ", choices)}" + (closest is null ? "" : $"; did you mean {closest}?");
    }

    /// <summary>"1 to 48", "at least 0", "at most 1".</summary>
    public static string RangeText(double? min, double? max) => (min, max) switch
    {
        ({ } lo, { } hi) => $"{Number(lo)} to {Number(hi)}",
        ({ } lo, null) => $"at least {Number(lo)}",
        (null, { } hi) => $"at most {Number(hi)}",
        _ => "any value",
    };

    static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    static string? ClosestChoice(string value, IReadOnlyList<string> choices)
    {
        foreach (var choice in choices)
            if (string.Equals(choice, value, StringComparison.OrdinalIgnoreCase)) return choice;
        return ParameterKeys.Closest(value, choices);
    }
}
