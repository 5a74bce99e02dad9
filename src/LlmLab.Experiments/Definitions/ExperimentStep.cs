namespace LlmLab.Experiments;

/// <summary>One step of a bound experiment: a title for the console and the work (an experiment with a Run method has one step).</summary>
public sealed record ExperimentStep(string Name, Action<ExperimentContext> Run);
