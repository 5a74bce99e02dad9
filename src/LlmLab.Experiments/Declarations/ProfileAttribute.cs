namespace LlmLab.Experiments;

/// <summary>
/// A named set of parameter overrides, e.g. <c>[Profile("quick", "Steps=20", "Layers=2")]</c>, chosen with
/// <c>--profile quick</c>. Each setting is "Key=value" in the same syntax as <c>--set</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class ProfileAttribute(string name, params string[] settings) : Attribute
{
    public string Name { get; } = name;
    public string[] Settings { get; } = settings;
}
