namespace LlmLab.Alignment;

/// <summary>
/// PPO's settings, with trl's PPOConfig defaults where it has them: 4 epochs over each rollout, clip ranges 0.2 for the
/// ratio and the value, value-loss coefficient 0.1, GAE γ 1 and λ 0.95, KL coefficient 0.2 (adapted toward a target
/// KL of 6 over a horizon of 10,000 sequences when <see cref="TargetKl"/> is set), whitened advantages.
/// </summary>
public sealed record PpoConfig
{
    /// <summary>Responses sampled per rollout (trl's batch_size).</summary>
    public int RolloutSize { get; init; } = 16;
    /// <summary>Minibatches each rollout is cut into per epoch (rollout size / trl's mini_batch_size).</summary>
    public int MiniBatches { get; init; } = 2;
    /// <summary>Passes over each rollout (trl's ppo_epochs).</summary>
    public int Epochs { get; init; } = 4;
    public double ClipRange { get; init; } = 0.2;
    public double ValueClipRange { get; init; } = 0.2;
    public double ValueCoefficient { get; init; } = 0.1;
    public double Gamma { get; init; } = 1;
    public double Lambda { get; init; } = 0.95;
    /// <summary>The per-token KL penalty's starting coefficient (0: no penalty, the reward hacking run).</summary>
    public double KlCoefficient { get; init; } = 0.2;
    public KlEstimator KlEstimator { get; init; } = KlEstimator.K1;
    /// <summary>The KL the adaptive controller steers toward; null keeps the coefficient fixed.</summary>
    public double? TargetKl { get; init; }
    public double KlHorizon { get; init; } = 10_000;
    public bool WhitenAdvantages { get; init; } = true;
    public int MaxNewTokens { get; init; } = 48;
    public float Temperature { get; init; } = 1f;

    /// <summary>Optimizer steps per rollout: every minibatch of every epoch.</summary>
    public int StepsPerRollout => Epochs * MiniBatches;

    public PpoConfig Validate()
    {
        if (RolloutSize < 2 || MiniBatches < 1 || RolloutSize % MiniBatches != 0)
            throw new ArgumentException($"PPO: the rollout size ({RolloutSize}) must be at least 2 and a multiple of the minibatches ({MiniBatches})");
        if (Epochs < 1 || MaxNewTokens < 1) throw new ArgumentException("PPO: epochs and max new tokens must be at least 1");
        if (!(ClipRange > 0) || !(ValueClipRange > 0) || !(ValueCoefficient >= 0) || !(KlCoefficient >= 0) || !(Temperature > 0))
            throw new ArgumentException("PPO: clip ranges and the temperature must be positive, the coefficients not negative");
        if (!(Gamma is >= 0 and <= 1) || !(Lambda is >= 0 and <= 1)) throw new ArgumentException("PPO: gamma and lambda must lie in [0, 1]");
        return this;
    }
}
