namespace LlmLab.Experiments;

/// <summary>
/// Marks a class as an experiment: the source generator registers it under <paramref name="name"/> with a typed
/// binder for its <see cref="ParamAttribute"/> properties. The class needs a public parameterless constructor and
/// either a public <c>void Run(ExperimentContext context)</c> method or public <see cref="StepAttribute"/> methods.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class ExperimentAttribute(string name) : Attribute
{
    /// <summary>The name used on the command line (<c>run NAME</c>): lower-case words joined by '-'.</summary>
    public string Name { get; } = name;

    /// <summary>One sentence shown by <c>list</c> and <c>describe</c>.</summary>
    public string? Description { get; set; }

    /// <summary>Runs when the project is started with no arguments; at most one experiment per project.</summary>
    public bool IsDefault { get; set; }
}
