namespace LlmLab.Generators.Model;

/// <summary>
/// Everything the emitter needs for one experiment, from an [Experiment] class or a YAML file.
/// <see cref="TypeName"/> is the experiment class, or for YAML the recipe's config record; <see cref="Values"/>
/// (YAML only) are the config values the file sets, as C# literals; <see cref="Steps"/> (C# only) are the methods
/// to call in order; <see cref="Runner"/> (YAML only) is the recipe's runner type.
/// </summary>
internal sealed record ExperimentModel(
    string Name,
    string? Description,
    string Source,
    bool IsDefault,
    string? Recipe,
    string TypeName,
    EquatableArray<ParamModel> Parameters,
    EquatableArray<ParamValue> Values,
    EquatableArray<ProfileModel> Profiles,
    EquatableArray<StepModel> Steps,
    string? Runner,
    LocationInfo? NameLocation,
    LocationInfo? DefaultLocation);

/// <summary>A parameter's value fixed at build time (a YAML <c>params</c> entry), as a C# literal.</summary>
internal sealed record ParamValue(string Name, string Literal);

/// <summary>A named profile: (key, canonical value text) settings in order, keys already resolved to property names.</summary>
internal sealed record ProfileModel(string Name, EquatableArray<Setting> Settings);

internal sealed record Setting(string Key, string Text);

/// <summary>A step: its title for the console and the instance method that does it.</summary>
internal sealed record StepModel(string Title, string Method);
