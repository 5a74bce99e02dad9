namespace LlmLab.Experiments;

/// <summary>
/// An experiment with every parameter resolved: <see cref="Parameters"/> lists each key with its final value as
/// canonical text, in declaration order (what config.yaml records and the config hash is computed from), and
/// <see cref="Steps"/> run in order.
/// </summary>
public sealed record BoundExperiment(
    ExperimentDefinition Definition,
    IReadOnlyList<KeyValuePair<string, string>> Parameters,
    IReadOnlyList<ExperimentStep> Steps)
{
    /// <summary>What a run of this binding records as config.yaml.</summary>
    public RunConfig ToRunConfig(ulong seed, string backend, string? profile) =>
        new(Definition.Name, seed, backend, profile, Parameters);
}
