namespace LlmLab.Training;

/// <summary>
/// The learning rate at each optimizer step (counted from 0): constant, or nanoGPT's get_lr - linear warm-up to
/// <see cref="MaxLearningRate"/> over <see cref="WarmupSteps"/> steps (lr * (step + 1) / (warmup + 1)), then a
/// cosine from the maximum at step = warmup down to <see cref="MinLearningRate"/> at step = decaySteps, and the
/// minimum after that. Computed in double on the host, rounded to float once.
/// </summary>
public sealed class LearningRateSchedule
{
    private LearningRateSchedule(float maxLearningRate, int warmupSteps, int decaySteps, float minLearningRate)
    {
        MaxLearningRate = maxLearningRate;
        WarmupSteps = warmupSteps;
        DecaySteps = decaySteps;
        MinLearningRate = minLearningRate;
    }

    public float MaxLearningRate { get; }
    public int WarmupSteps { get; }
    /// <summary>The step at which the cosine reaches the minimum (nanoGPT's lr_decay_iters); -1 when constant.</summary>
    public int DecaySteps { get; }
    public float MinLearningRate { get; }
    public bool IsConstant => DecaySteps < 0;

    public static LearningRateSchedule Constant(float learningRate)
    {
        CheckRate(learningRate, "learning rate");
        return new LearningRateSchedule(learningRate, 0, -1, learningRate);
    }

    /// <summary>nanoGPT's schedule: warm-up for warmupSteps, cosine to minLearningRate by decaySteps, then flat.</summary>
    public static LearningRateSchedule WarmupCosine(float maxLearningRate, int warmupSteps, int decaySteps, float minLearningRate)
    {
        CheckRate(maxLearningRate, "maximum learning rate");
        CheckRate(minLearningRate, "minimum learning rate");
        if (minLearningRate > maxLearningRate)
            throw new ArgumentException($"learning-rate schedule: the minimum {minLearningRate} exceeds the maximum {maxLearningRate}");
        if (warmupSteps < 0)
            throw new ArgumentException($"learning-rate schedule: warm-up steps must be >= 0, got {warmupSteps}");
        if (decaySteps < warmupSteps)
            throw new ArgumentException(
                $"learning-rate schedule: decay steps ({decaySteps}) must be >= warm-up steps ({warmupSteps}): the cosine runs from the end of warm-up to the end of decay");
        return new LearningRateSchedule(maxLearningRate, warmupSteps, decaySteps, minLearningRate);
    }

    public float At(int step)
    {
        if (step < 0) throw new ArgumentOutOfRangeException(nameof(step), step, "learning-rate schedule: steps count from 0");
        if (IsConstant) return MaxLearningRate;
        if (step < WarmupSteps) return (float)((double)MaxLearningRate * (step + 1) / (WarmupSteps + 1));
        if (step > DecaySteps) return MinLearningRate;
        // step == warmup == decay (no cosine at all) is the top of the curve, not 0/0.
        double ratio = DecaySteps == WarmupSteps ? 0 : (double)(step - WarmupSteps) / (DecaySteps - WarmupSteps);
        double coefficient = 0.5 * (1 + Math.Cos(Math.PI * ratio));
        return (float)(MinLearningRate + coefficient * ((double)MaxLearningRate - MinLearningRate));
    }

    private static void CheckRate(float rate, string what)
    {
        if (!float.IsFinite(rate) || rate < 0)
            throw new ArgumentException($"learning-rate schedule: the {what} must be finite and >= 0, got {rate}");
    }
}
