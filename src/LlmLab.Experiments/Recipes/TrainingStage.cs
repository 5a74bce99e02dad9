using LlmLab.Autograd;
using LlmLab.Nn;
using LlmLab.Training;

namespace LlmLab.Experiments;

/// <summary>
/// Runs a <see cref="Trainer"/> inside an experiment: checkpoints under checkpoints/&lt;stage&gt;/ (an interrupted run
/// resumes there), metrics in the run's metrics.jsonl behind "&lt;stage&gt;_" (the report plots them), llm.c lines
/// in the log, a progress bar, and Ctrl+C through the context's cancellation. An interruption or divergence ends
/// the step with the matching exception, which the host reports.
/// </summary>
public static class TrainingStage
{
    public sealed record Outcome(TrainingResult Result, float? FirstValidationLoss);

    public static Outcome Run(ExperimentContext context, string stage, Module model, Func<Tape, TrainingBatch, Variable> loss,
        TrainingOptions options, IBatchSource train, IBatchSource? validation)
    {
        var files = new TrainerFiles(Path.Combine(context.CheckpointFolder, stage), context.MetricsFile, stage + "_");
        using var trainer = new Trainer(context.Backend, model, loss, options, train, validation, files);
        float? first = null;
        using var progress = context.Progress(stage, options.Steps);
        trainer.Resumed += c =>
        {
            context.Log($"{stage}: resuming from step {c.Step}");
            progress.Value = c.Step;
        };
        trainer.StepCompleted += r =>
        {
            progress.Value = r.Step;
            if (r.Step % options.LogInterval == 0 || r.Step == 1 || r.Step == r.Steps) context.Log($"{stage}: {r.ToLogLine()}");
        };
        trainer.Validated += v =>
        {
            first ??= v.Loss;
            context.Log($"{stage}: {v.ToLogLine()}");
        };
        var result = trainer.Train(context.Cancellation);
        if (result.Interrupted) throw new OperationCanceledException($"{stage} stopped at step {result.Step}; a checkpoint was written", context.Cancellation);
        return new Outcome(result, first ?? FirstFromMetrics(context, stage));
    }

    // A resumed run did not see step 0's validation itself: it is in metrics.jsonl from the first attempt.
    private static float? FirstFromMetrics(ExperimentContext context, string stage)
    {
        if (!File.Exists(context.MetricsFile)) return null;
        string key = $"\"{stage}_val_loss\": ";
        foreach (string line in File.ReadLines(context.MetricsFile))
            if (line.StartsWith("{\"step\": 0,", StringComparison.Ordinal) && line.IndexOf(key, StringComparison.Ordinal) is int at and >= 0)
            {
                string rest = line[(at + key.Length)..];
                int end = rest.IndexOfAny([',', '}']);
                if (float.TryParse(rest[..end], System.Globalization.CultureInfo.InvariantCulture, out float value)) return value;
            }
        return null;
    }
}
