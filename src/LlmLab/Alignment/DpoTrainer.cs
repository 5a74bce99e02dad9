using LlmLab.Models;
using LlmLab.Training;

namespace LlmLab.Alignment;

/// <summary>
/// DPO from C# in one object, as trl's DPOTrainer is in Python: a <see cref="Training.Trainer"/> over the policy with
/// <see cref="DpoObjective"/> as its loss, reading batches of pairs (<see cref="PreferenceBatches"/>). Each step's line
/// in metrics.jsonl carries the implicit rewards of the chosen and rejected completions, their margin and the pair
/// accuracy (trl's rewards/chosen, rewards/rejected, rewards/margins and rewards/accuracies).
/// </summary>
public sealed class DpoTrainer : IDisposable
{
    public DpoTrainer(Gpt policy, ReferenceModel reference, double beta, TrainingOptions options, IBatchSource train, IBatchSource? validation = null,
        TrainerFiles? files = null)
    {
        Objective = new DpoObjective(policy, reference, beta);
        Trainer = new Trainer(policy.Backend, policy, Objective.Loss, options, train, validation, files) { StepMetrics = StepMetrics };
    }

    public DpoObjective Objective { get; }
    public Trainer Trainer { get; }

    /// <summary>Trains (or resumes from the trainer's latest checkpoint); see <see cref="Trainer.Train"/>.</summary>
    public TrainingResult Train(CancellationToken cancellation = default) => Trainer.Train(cancellation);

    private IEnumerable<(string, double)> StepMetrics() => Objective.Last is { } s
        ? [("chosen_reward", s.ChosenReward), ("rejected_reward", s.RejectedReward), ("margin", s.Margin), ("accuracy", s.Accuracy)]
        : [];

    public void Dispose() => Trainer.Dispose();
}
