namespace LlmLab.Generators.Model;

/// <summary>The value kinds of parameters; the names match LlmLab.Experiments.ParameterKind.</summary>
internal enum ParamKind { Int32, Int64, UInt64, Single, Double, Boolean, String, Enum }

/// <summary>
/// One [Param] property of an experiment class or a recipe's config record. <see cref="TypeName"/> is what
/// <c>describe</c> shows ("int", an enum's name); <see cref="FullTypeName"/> is the global::-qualified type.
/// For enums <see cref="Choices"/> holds the member names.
/// </summary>
internal sealed record ParamModel(
    string Name,
    ParamKind Kind,
    string TypeName,
    string FullTypeName,
    string? Description,
    double? Min,
    double? Max,
    EquatableArray<string> Choices,
    bool IsRequired);
