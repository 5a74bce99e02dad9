namespace LlmLab.Experiments;

/// <summary>
/// A parameter of an experiment (on a public property with a setter or init accessor) or of a recipe's config
/// record. The property's initial value is its default. Supported types: int, long, ulong, float, double, bool,
/// string and enums. <see cref="Min"/>/<see cref="Max"/> bound numbers (inclusive); <see cref="Choices"/> lists the
/// only values a string may take. The generator checks all of it at build time.
/// </summary>
[AttributeUsage(AttributeTargets.Property, AllowMultiple = false, Inherited = false)]
public sealed class ParamAttribute : Attribute
{
    public string? Description { get; set; }

    /// <summary>Inclusive lower bound; NaN (the default) means none.</summary>
    public double Min { get; set; } = double.NaN;

    /// <summary>Inclusive upper bound; NaN (the default) means none.</summary>
    public double Max { get; set; } = double.NaN;

    /// <summary>The allowed values of a string parameter; null means any.</summary>
    public string[]? Choices { get; set; }
}
