namespace LlmLab.Generators.Model;

/// <summary>
/// A [Recipe] config record, from the compilation or a referenced assembly: what a YAML file naming it may set.
/// <see cref="Problem"/> says why it cannot be used (its declaration is reported separately when in source).
/// </summary>
internal sealed record RecipeModel(
    string Name,
    string ConfigTypeName,
    string RunnerTypeName,
    string? Description,
    EquatableArray<ParamModel> Parameters,
    string? Problem);
