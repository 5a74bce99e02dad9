using System;
using System.Collections.Generic;
using System.Globalization;

namespace LlmLab;

/// <summary>
/// A parameter's value text (from <c>--set</c>, a profile or YAML) parsed into its type, then held to the
/// parameter's range or choices; and the canonical text of a value, as config.yaml records it and the config hash is
/// computed from. Invariant culture; numbers and bools may carry surrounding spaces, strings are taken as written,
/// enum members match by name ignoring case. A refusal is a <see cref="ValueError"/> naming the key, the value and
/// what was expected. One copy, linked into the source generator (which checks YAML and profiles at build time) and
/// into LlmLab.Experiments (whose binders parse at run time), so a value fails or binds the same way in both.
/// </summary>
internal static class ValueRules
{
    static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public static ValueError? ParseInt32(string key, string text, double? min, double? max, out int value) =>
        int.TryParse(text, NumberStyles.Integer, Invariant, out value)
            ? CheckRange(key, text, value, min, max)
            : NotA(key, text, "an int (a whole number from -2147483648 to 2147483647)");

    public static ValueError? ParseInt64(string key, string text, double? min, double? max, out long value) =>
        long.TryParse(text, NumberStyles.Integer, Invariant, out value)
            ? CheckRange(key, text, value, min, max)
            : NotA(key, text, "a long (a whole number)");

    public static ValueError? ParseUInt64(string key, string text, double? min, double? max, out ulong value) =>
        ulong.TryParse(text, NumberStyles.Integer, Invariant, out value)
            ? CheckRange(key, text, value, min, max)
            : NotA(key, text, "a ulong (a whole number, 0 or more)");

    public static ValueError? ParseSingle(string key, string text, double? min, double? max, out float value) =>
        float.TryParse(text, NumberStyles.Float, Invariant, out value)
            ? CheckRange(key, text, value, min, max)
            : NotA(key, text, "a float (a number such as 0.5 or 1e-3)");

    public static ValueError? ParseDouble(string key, string text, double? min, double? max, out double value) =>
        double.TryParse(text, NumberStyles.Float, Invariant, out value)
            ? CheckRange(key, text, value, min, max)
            : NotA(key, text, "a double (a number such as 0.5 or 1e-3)");

    public static ValueError? ParseBoolean(string key, string text, out bool value)
    {
        switch (text.Trim().ToLowerInvariant())
        {
            case "true": value = true; return null;
            case "false": value = false; return null;
            default: value = false; return NotA(key, text, "a bool (true or false)");
        }
    }

    /// <summary>A string is taken as written; with choices it must be one of them exactly.</summary>
    public static ValueError? CheckChoice(string key, string text, IReadOnlyList<string>? choices)
    {
        if (choices is null || choices.Count == 0) return null;
        foreach (var choice in choices)
            if (choice == text) return null;
        return new ValueError(ValueProblem.NotAChoice, NotAChoiceMessage(key, text, choices));
    }

    /// <summary>
    /// An enum member by name, exactly or else ignoring case, after trimming (numbers are not accepted: they say
    /// nothing on a command line).
    /// </summary>
    public static ValueError? ParseMember(string key, string text, IReadOnlyList<string> members, out string member)
    {
        var trimmed = text.Trim();
        var found = Find(members, trimmed, StringComparison.Ordinal) ?? Find(members, trimmed, StringComparison.OrdinalIgnoreCase);
        member = found ?? "";
        return found is null ? new ValueError(ValueProblem.NotAChoice, NotAChoiceMessage(key, trimmed, members)) : null;
    }

    /// <summary>Refuses <paramref name="value"/> outside the inclusive [min, max] (NaN is outside any bound).</summary>
    public static ValueError? CheckRange(string key, string text, double value, double? min, double? max)
    {
        if (min is null && max is null) return null;
        var inside = !double.IsNaN(value) && !(min is double lo && value < lo) && !(max is double hi && value > hi);
        return inside ? null : new ValueError(ValueProblem.OutOfRange, $"{key}: {text.Trim()} is out of range; expected {RangeText(min, max)}");
    }

    /// <summary>"Key: 'v' is not one of a, b, c[; did you mean b?]" (the suggestion: a case-insensitive match, else the closest).</summary>
    public static string NotAChoiceMessage(string key, string value, IReadOnlyList<string> choices)
    {
        var closest = Find(choices, value, StringComparison.OrdinalIgnoreCase) ?? KeyRules.Closest(value, choices);
        return $"{key}: '{value}' is not one of {string.Join(", ", choices)}" + (closest is null ? "" : $"; did you mean {closest}?");
    }

    /// <summary>"1 to 48", "at least 0", "at most 1".</summary>
    public static string RangeText(double? min, double? max)
    {
        if (min is double lo && max is double hi) return $"{Format(lo)} to {Format(hi)}";
        if (min is double atLeast) return $"at least {Format(atLeast)}";
        if (max is double atMost) return $"at most {Format(atMost)}";
        return "any value";
    }

    // The canonical texts: parsing one gives the same value back (floats round-trip).
    public static string Format(int value) => value.ToString(Invariant);
    public static string Format(long value) => value.ToString(Invariant);
    public static string Format(ulong value) => value.ToString(Invariant);
    public static string Format(float value) => value.ToString("R", Invariant);
    public static string Format(double value) => value.ToString("R", Invariant);
    public static string Format(bool value) => value ? "true" : "false";

    static string? Find(IReadOnlyList<string> names, string name, StringComparison comparison)
    {
        foreach (var candidate in names)
            if (string.Equals(candidate, name, comparison)) return candidate;
        return null;
    }

    static ValueError NotA(string key, string text, string expected) =>
        new(ValueProblem.WrongType, $"{key}: '{text}' is not {expected}");
}
