namespace LlmLab.Experiments;

/// <summary>The range and choice checks of a parameter's <see cref="ParamAttribute"/>, applied after parsing (by <see cref="ValueRules"/>).</summary>
public static class ParameterChecks
{
    /// <summary>Throws when <paramref name="value"/> lies outside the inclusive [Min, Max] of <paramref name="spec"/>.</summary>
    public static void CheckRange(ParameterSpec spec, double value, string text)
    {
        if (ValueRules.CheckRange(spec.Key, text, value, spec.Min, spec.Max) is { } error) throw ParameterParsing.Refused(error);
    }

    /// <summary>Throws when <paramref name="spec"/> lists choices and <paramref name="value"/> is not one of them (exact match).</summary>
    public static void CheckChoice(ParameterSpec spec, string value)
    {
        if (ValueRules.CheckChoice(spec.Key, value, spec.Choices) is { } error) throw ParameterParsing.Refused(error);
    }

    /// <summary>"Key: 'v' is not one of a, b, c[; did you mean b?]".</summary>
    public static string NotAChoiceMessage(string key, string value, IReadOnlyList<string> choices) => ValueRules.NotAChoiceMessage(key, value, choices);

    /// <summary>"1 to 48", "at least 0", "at most 1".</summary>
    public static string RangeText(double? min, double? max) => ValueRules.RangeText(min, max);
}
