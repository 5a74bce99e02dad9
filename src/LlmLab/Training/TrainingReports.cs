using System.Globalization;

namespace LlmLab.Training;

/// <summary>
/// One optimizer step as llm.c logs it: the step (counted from 1), the mean loss over its micro-batches, the global
/// gradient norm before clipping, the learning rate used, wall time and throughput.
/// </summary>
public sealed record TrainingStepReport(int Step, int Steps, float Loss, double GradientNorm, float LearningRate, double Milliseconds, double TokensPerSecond)
{
    /// <summary>llm.c's line: <c>step   10/2000 | loss 2.345678 | norm 0.8123 | lr 6.00e-04 | 61.23 ms | 12543 tok/s</c>.</summary>
    public string ToLogLine()
    {
        int width = Steps.ToString(CultureInfo.InvariantCulture).Length;
        return string.Create(CultureInfo.InvariantCulture,
            $"step {Step.ToString().PadLeft(width)}/{Steps} | loss {Loss:F6} | norm {GradientNorm:F4} | lr {LearningRate:0.00e+00} | {Milliseconds:F2} ms | {TokensPerSecond:F0} tok/s");
    }
}

/// <summary>The mean validation loss after <see cref="Step"/> optimizer steps (0: before training).</summary>
public sealed record ValidationReport(int Step, float Loss)
{
    public string ToLogLine() => string.Create(CultureInfo.InvariantCulture, $"step {Step} | val loss {Loss:F6}");
}

/// <summary>
/// How a call to <see cref="Trainer.Train"/> ended. The losses are the whole run's (read back from metrics.jsonl
/// after a resume): the validation loss before the first step, the last step's loss and the last validation loss.
/// </summary>
public sealed record TrainingResult(
    int Step,
    int ResumedFrom,
    bool Interrupted,
    float? LastLoss,
    float? LastValidationLoss,
    double TokensPerSecond,
    string? LastCheckpoint)
{
    public float? FirstValidationLoss { get; init; }
}
