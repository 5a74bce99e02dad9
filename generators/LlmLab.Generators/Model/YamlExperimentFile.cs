namespace LlmLab.Generators.Model;

/// <summary>
/// A *.experiment.yaml file as read, before it is checked against its recipe: each entry keeps the positions of
/// its key and value so that mistakes are reported where they are. <see cref="Diagnostics"/> holds what reading
/// found (malformed YAML, wrong shapes, unknown top-level keys).
/// </summary>
internal sealed record YamlExperimentFile(
    string Path,
    string FileName,
    LocationInfo FileStart,
    YamlEntry? Name,
    YamlEntry? Description,
    YamlEntry? Recipe,
    YamlEntry? Default,
    LocationInfo? ParamsKey,
    EquatableArray<YamlEntry> Params,
    EquatableArray<YamlProfile> Profiles,
    EquatableArray<DiagnosticInfo> Diagnostics);

/// <summary><c>key: value</c> with a scalar value (<see cref="Value"/> is null for <c>key:</c> or <c>key: ~</c>).</summary>
internal sealed record YamlEntry(string Key, LocationInfo KeyLocation, string? Value, LocationInfo ValueLocation);

internal sealed record YamlProfile(string Name, LocationInfo Location, EquatableArray<YamlEntry> Settings);
