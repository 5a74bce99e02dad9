namespace LlmLab.Experiments;

/// <summary>
/// An ordered step of an experiment without a Run method: public <c>void M(ExperimentContext context)</c> methods
/// run in ascending <see cref="Order"/>; the host shows each step's name as it starts.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
public sealed class StepAttribute(int order) : Attribute
{
    public int Order { get; } = order;

    /// <summary>The step's title (default: the method name split into words).</summary>
    public string? Name { get; set; }
}
