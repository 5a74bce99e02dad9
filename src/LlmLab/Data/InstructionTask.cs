namespace LlmLab.Data;

/// <summary>
/// One task of the instruction set (<see cref="InstructionGenerator.Tasks"/>): how its items are scored, what it
/// asks, whether the whole task is held out of training (evaluated only, to measure generalisation to an unseen
/// task), and the names of its instruction templates, those for training and those held out for evaluation.
/// </summary>
public sealed record InstructionTask(
    string Name,
    InstructionMetric Metric,
    string Description,
    bool HeldOut,
    IReadOnlyList<string> TrainingTemplates,
    IReadOnlyList<string> HeldOutTemplates)
{
    /// <summary>The template names of one set (<see cref="TemplateSet.All"/>: training templates first).</summary>
    public IReadOnlyList<string> Templates(TemplateSet set) => set switch
    {
        TemplateSet.Training => TrainingTemplates,
        TemplateSet.HeldOut => HeldOutTemplates,
        TemplateSet.All => [.. TrainingTemplates, .. HeldOutTemplates],
        _ => throw new ArgumentOutOfRangeException(nameof(set), set, "not a template set"),
    };
}
