namespace LlmLab.Experiments;

/// <summary>
/// A registered experiment, written by the source generator for each <see cref="ExperimentAttribute"/> class and
/// each <c>*.experiment.yaml</c> file. <see cref="Binder"/> applies (key, value text) overrides in order - a profile's,
/// then <c>--set</c>'s - checking each against its <see cref="ParameterSpec"/>, and throws
/// <see cref="ExperimentConfigException"/> naming the first bad key or value (with "did you mean" for unknown keys).
/// </summary>
public sealed record ExperimentDefinition(
    string Name,
    string? Description,
    string Source,
    bool IsDefault,
    IReadOnlyList<ParameterSpec> Parameters,
    IReadOnlyList<ExperimentProfile> Profiles,
    Func<IReadOnlyList<KeyValuePair<string, string>>, BoundExperiment> Binder)
{
    /// <summary>The recipe a YAML experiment configures ("pretrain", ...); null for a C# experiment.</summary>
    public string? Recipe { get; init; }

    /// <summary>Binds with a profile's settings first (when named), then the overrides.</summary>
    public BoundExperiment Bind(string? profile, IReadOnlyList<KeyValuePair<string, string>> overrides)
    {
        if (profile is null) return Binder(overrides);
        var found = Profiles.FirstOrDefault(p => p.Name == profile)
            ?? throw new ExperimentConfigException(Profiles.Count == 0
                ? $"experiment '{Name}' has no profiles; '{profile}' does not exist"
                : $"experiment '{Name}' has no profile '{profile}'; it has {string.Join(", ", Profiles.Select(p => p.Name))}");
        return Binder([.. found.Settings, .. overrides]);
    }
}
