using System.Globalization;
using LlmLab.Backends;

namespace LlmLab.Experiments;

/// <summary>What every command works with: the project's experiments, the console, the runs root and Ctrl+C.</summary>
internal sealed record HostSession(
    IReadOnlyList<ExperimentDefinition> Experiments,
    HostConsole Console,
    string RunsRoot,
    CancellationToken Cancellation)
{
    public ExperimentDefinition Find(string name) =>
        Experiments.FirstOrDefault(e => string.Equals(e.Name, name, StringComparison.OrdinalIgnoreCase))
        ?? throw new ExperimentConfigException(Experiments.Count == 0
            ? $"unknown experiment '{name}': this project has no experiments"
            : $"unknown experiment '{name}'" + Suggestions.DidYouMean(name, Experiments.Select(e => e.Name)) + " ('list' shows them all)");

    /// <summary>The experiment marked IsDefault, or the only one.</summary>
    public ExperimentDefinition Default()
    {
        var defaults = Experiments.Where(e => e.IsDefault).ToList();
        if (defaults.Count == 1) return defaults[0];
        if (defaults.Count == 0 && Experiments.Count == 1) return Experiments[0];
        throw new ExperimentConfigException(defaults.Count > 1
            ? $"more than one default experiment ({string.Join(", ", defaults.Select(d => d.Name))}); name one: run NAME"
            : Experiments.Count == 0
                ? "this project has no experiments"
                : $"no default experiment; name one: run NAME ({string.Join(", ", Experiments.Select(e => e.Name))})");
    }

    /// <summary>--set values as (key, value text) pairs; the key is everything before the first '='.</summary>
    public static IReadOnlyList<KeyValuePair<string, string>> ParseSettings(IEnumerable<string> settings, string option = "--set") =>
        [.. settings.Select(setting =>
        {
            int equals = setting.IndexOf('=');
            if (equals <= 0)
                throw new ExperimentConfigException($"{option} expects KEY=VALUE, got '{setting}'");
            return KeyValuePair.Create(setting[..equals].Trim(), setting[(equals + 1)..]);
        })];

    public static ulong ParseSeed(string? text) =>
        text is null ? ExperimentHost.DefaultSeed
        : ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out ulong seed) ? seed
        : throw new ExperimentConfigException($"--seed expects a whole number from 0 to {ulong.MaxValue}, got '{text}'");

    /// <summary>The backend by name; an unknown or unavailable one is a configuration error (exit code 2).</summary>
    public static IBackend CreateBackend(string? name)
    {
        try
        {
            return Backend.Create(name ?? ExperimentHost.DefaultBackend);
        }
        catch (ArgumentException e)
        {
            throw new ExperimentConfigException(e.Message);
        }
        catch (BackendUnavailableException e)
        {
            throw new ExperimentConfigException(e.Message);
        }
    }

    /// <summary>Where run folders go: --out when given, else the runs root.</summary>
    public string RunsFolder(CommandLine line) => line.Single("out") ?? RunsRoot;
}
