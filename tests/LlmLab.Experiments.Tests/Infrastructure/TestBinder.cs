using System.Globalization;

namespace LlmLab.Experiments.Tests;

/// <summary>
/// A hand-written stand-in for the generated binder: int, double and string parameters with bounds and choices,
/// keys matched ignoring case, '_' and '-', "did you mean" for unknown keys, canonical value text.
/// </summary>
internal static class TestBinder
{
    public static ExperimentDefinition Define(
        string name,
        IReadOnlyList<ParameterSpec> parameters,
        Func<IReadOnlyDictionary<string, string>, IReadOnlyList<ExperimentStep>> steps,
        IReadOnlyList<ExperimentProfile>? profiles = null,
        bool isDefault = false,
        string? description = null)
    {
        ExperimentDefinition? definition = null;
        definition = new(name, description, "tests", isDefault, parameters, profiles ?? [],
            overrides => Bind(definition!, parameters, steps, overrides));
        return definition;
    }

    public static ExperimentProfile Profile(string name, params string[] settings) =>
        new(name, [.. settings.Select(s => KeyValuePair.Create(s[..s.IndexOf('=')], s[(s.IndexOf('=') + 1)..]))]);

    private static BoundExperiment Bind(
        ExperimentDefinition definition,
        IReadOnlyList<ParameterSpec> parameters,
        Func<IReadOnlyDictionary<string, string>, IReadOnlyList<ExperimentStep>> steps,
        IReadOnlyList<KeyValuePair<string, string>> overrides)
    {
        string name = definition.Name;
        var values = parameters.ToDictionary(p => p.Key, p => p.DefaultText);
        foreach (var (key, text) in overrides)
        {
            var spec = parameters.FirstOrDefault(p => Normalize(p.Key) == Normalize(key))
                ?? throw new ExperimentConfigException($"experiment '{name}' has no parameter '{key}'"
                    + (parameters.MinBy(p => EditDistance.Between(Normalize(p.Key), Normalize(key))) is { } close && EditDistance.Between(Normalize(close.Key), Normalize(key)) <= 3
                        ? $"; did you mean '{close.Key}'?" : ""));
            values[spec.Key] = Canonical(name, spec, text);
        }
        return new BoundExperiment(definition, [.. parameters.Select(p => KeyValuePair.Create(p.Key, values[p.Key]))], steps(values));
    }

    private static string Canonical(string experiment, ParameterSpec spec, string text)
    {
        double number;
        switch (spec.Kind)
        {
            case ParameterKind.Int32:
                if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int i))
                    throw new ExperimentConfigException($"{spec.Key}: '{text}' is not a whole number");
                number = i;
                text = i.ToString(CultureInfo.InvariantCulture);
                break;
            case ParameterKind.Double:
                if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out number))
                    throw new ExperimentConfigException($"{spec.Key}: '{text}' is not a number");
                text = number.ToString("R", CultureInfo.InvariantCulture);
                break;
            default:
                if (spec.Choices is { } choices && !choices.Contains(text))
                    throw new ExperimentConfigException($"{spec.Key}: '{text}' is not one of {string.Join(", ", choices)}");
                return text;
        }
        if (spec.Min is { } min && number < min) throw new ExperimentConfigException($"{spec.Key}: {text} is below the minimum {min}");
        if (spec.Max is { } max && number > max) throw new ExperimentConfigException($"{spec.Key}: {text} is above the maximum {max}");
        return text;
    }

    // Keys match as generated binders match them.
    private static string Normalize(string key) => ParameterKeys.Normalize(key);
}
