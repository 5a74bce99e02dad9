namespace LlmLab.Experiments;

/// <summary>
/// Marks a config record as the typed configuration of a built-in pipeline that YAML experiments name with
/// <c>recipe: NAME</c>. The record's <see cref="ParamAttribute"/> properties are the keys a YAML file may set
/// (checked at build time: unknown key, wrong type, out of range, missing required value); a <c>required</c>
/// property must be set. <see cref="Runner"/> is a type with a public static
/// <c>void Run(TConfig config, ExperimentContext context)</c> method.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class RecipeAttribute(string name, Type runner) : Attribute
{
    public string Name { get; } = name;
    public Type Runner { get; } = runner;

    public string? Description { get; set; }
}
