using LlmLab.Training;

namespace LlmLab.Alignment;

/// <summary>
/// PPO from C# in one object, as trl's PPOTrainer is in Python: <see cref="PpoRollouts"/> samples and scores
/// responses, <see cref="PpoObjective"/> is the loss, and a <see cref="Training.Trainer"/> runs
/// <c>rollouts × epochs × minibatches</c> AdamW steps over the policy and its value head, with checkpoints at rollout
/// boundaries only (where a resume collects the next rollout exactly as an uninterrupted run would; the adaptive KL
/// coefficient is part of the checkpoint) and no validation pass. Each step's line in metrics.jsonl carries trl's
/// figures: the rollout's mean score, KL and coefficient and mean response length, and the step's policy and value
/// losses, clip fractions, approximate KL and entropy.
/// </summary>
public sealed class PpoTrainer : IDisposable
{
    public PpoTrainer(PolicyWithValueHead policy, ReferenceModel reference, RewardModel rewardModel, IReadOnlyList<int[]> prompts, PpoConfig config,
        int rollouts, TrainingOptions options, int padId, int endToken, ulong seed, TrainerFiles? files = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rollouts, 1);
        Policy = policy;
        Rollouts = new PpoRollouts(policy, reference, rewardModel, prompts, config, padId, endToken, seed);
        Objective = new PpoObjective(policy, Rollouts);
        Rollouts.RolloutCollected += s => LastRollout = s;
        int perRollout = config.StepsPerRollout;
        int checkpointRollouts = Math.Max(1, (options.CheckpointInterval + perRollout - 1) / perRollout);
        var settings = options with { Steps = rollouts * perRollout, EvaluationInterval = 0, CheckpointInterval = checkpointRollouts * perRollout };
        Trainer = new Trainer(policy.Policy.Backend, policy, Objective.Loss, settings, Rollouts, validation: null, files) { StepMetrics = StepMetrics };
    }

    public PolicyWithValueHead Policy { get; }
    public PpoRollouts Rollouts { get; }
    public PpoObjective Objective { get; }
    public Trainer Trainer { get; }
    /// <summary>The statistics of the rollout collected last.</summary>
    public PpoRolloutStats? LastRollout { get; private set; }

    /// <summary>Raised once per rollout, after it is collected.</summary>
    public event Action<PpoRolloutStats>? RolloutCollected
    {
        add => Rollouts.RolloutCollected += value;
        remove => Rollouts.RolloutCollected -= value;
    }

    /// <summary>Trains every rollout (or resumes from the trainer's latest checkpoint); see <see cref="Trainer.Train"/>.</summary>
    public TrainingResult Train(CancellationToken cancellation = default) => Trainer.Train(cancellation);

    private IEnumerable<(string, double)> StepMetrics()
    {
        if (LastRollout is { } r)
        {
            yield return ("score", r.MeanScore);
            yield return ("kl", r.MeanKl);
            yield return ("kl_coef", r.KlCoefficient);
            yield return ("response_length", r.MeanLength);
        }
        if (Objective.Last is { } s)
        {
            yield return ("policy_loss", s.PolicyLoss);
            yield return ("value_loss", s.ValueLoss);
            yield return ("clip_fraction", s.ClipFraction);
            yield return ("value_clip_fraction", s.ValueClipFraction);
            yield return ("approx_kl", s.ApproxKl);
            yield return ("entropy", s.Entropy);
        }
    }

    public void Dispose() => Trainer.Dispose();
}
