namespace LlmLab.Experiments;

/// <summary>The value kinds a parameter may have; enums carry their member names in <see cref="ParameterSpec.Choices"/>.</summary>
public enum ParameterKind { Int32, Int64, UInt64, Single, Double, Boolean, String, Enum }

/// <summary>
/// One parameter of an experiment as the host shows and checks it: its key (the property name), kind, default value
/// as canonical text (invariant culture, round-trip floats, enum member names), optional inclusive bounds and
/// allowed values, and a description. Generated code creates these; the host only reads them.
/// </summary>
public sealed record ParameterSpec(
    string Key,
    ParameterKind Kind,
    string DefaultText,
    string? Description = null,
    double? Min = null,
    double? Max = null,
    IReadOnlyList<string>? Choices = null)
{
    /// <summary>The C#-style type name shown by <c>describe</c> ("int", "float", "bool", an enum's name, ...).</summary>
    public string TypeName { get; init; } = Kind.ToString().ToLowerInvariant();
}
