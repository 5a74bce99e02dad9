namespace LlmLab.Training;

/// <summary>
/// How a <see cref="Trainer"/> runs: optimizer steps, gradient accumulation, AdamW and its schedule (nanoGPT's
/// warm-up + cosine), clipping, and when to evaluate, log and checkpoint. Defaults are nanoGPT's
/// Shakespeare-char settings scaled for a small CPU run.
/// </summary>
public sealed record TrainingOptions
{
    /// <summary>Optimizer steps in the whole run (a resumed run continues up to this).</summary>
    public int Steps { get; init; } = 2000;
    /// <summary>Micro-batches per optimizer step; gradients are averaged over them.</summary>
    public int GradientAccumulation { get; init; } = 1;

    public float LearningRate { get; init; } = 1e-3f;
    public float MinLearningRate { get; init; } = 1e-4f;
    public int WarmupSteps { get; init; } = 100;
    /// <summary>Where the cosine reaches <see cref="MinLearningRate"/> (nanoGPT's lr_decay_iters); null means <see cref="Steps"/>.</summary>
    public int? DecaySteps { get; init; }

    public float WeightDecay { get; init; } = 0.1f;
    public WeightDecaySelection Decay { get; init; } = WeightDecaySelection.MatricesOnly;
    public float Beta1 { get; init; } = 0.9f;
    public float Beta2 { get; init; } = 0.99f;
    public float Epsilon { get; init; } = 1e-8f;
    /// <summary>Clip the global gradient norm to this; 0 turns clipping off (the norm is still logged).</summary>
    public float MaxGradientNorm { get; init; } = 1f;

    /// <summary>Validation loss every this many steps; with a validation source it is also taken before the first step and after the last (0: only then).</summary>
    public int EvaluationInterval { get; init; } = 250;
    /// <summary>Validation batches averaged per evaluation (always the same batches, so the curve is smooth).</summary>
    public int EvaluationBatches { get; init; } = 20;
    /// <summary>A checkpoint every this many steps (and at the end and on cancellation); 0 only then.</summary>
    public int CheckpointInterval { get; init; } = 250;
    /// <summary>How many of the newest checkpoints to keep.</summary>
    public int KeepCheckpoints { get; init; } = 2;
    /// <summary>A log line every this many steps (metrics.jsonl gets every step).</summary>
    public int LogInterval { get; init; } = 1;

    public LearningRateSchedule Schedule() =>
        LearningRateSchedule.WarmupCosine(LearningRate, WarmupSteps, Math.Max(DecaySteps ?? Steps, WarmupSteps), MinLearningRate);

    public TrainingOptions Validate()
    {
        Require(Steps > 0, $"steps must be positive, got {Steps}");
        Require(GradientAccumulation > 0, $"gradient accumulation must be positive, got {GradientAccumulation}");
        Require(float.IsFinite(MaxGradientNorm) && MaxGradientNorm >= 0, $"the maximum gradient norm must be >= 0 (0 turns clipping off), got {MaxGradientNorm}");
        Require(EvaluationInterval >= 0 && EvaluationBatches > 0, $"evaluation interval must be >= 0 and evaluation batches > 0, got {EvaluationInterval} and {EvaluationBatches}");
        Require(CheckpointInterval >= 0 && KeepCheckpoints > 0, $"checkpoint interval must be >= 0 and kept checkpoints > 0, got {CheckpointInterval} and {KeepCheckpoints}");
        Require(LogInterval > 0, $"log interval must be positive, got {LogInterval}");
        Schedule();   // checks the rates and warm-up
        return this;
    }

    private static void Require(bool ok, string message)
    {
        if (!ok) throw new ArgumentException($"training options: {message}");
    }
}
