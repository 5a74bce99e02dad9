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
    /// <summary>Trains (or resumes) and returns the whole run's result, however many attempts it took.</summary>
    public static TrainingResult Run(ExperimentContext context, string stage, Module model, Func<Tape, TrainingBatch, Variable> loss,
        TrainingOptions options, IBatchSource train, IBatchSource? validation)
    {
        using var trainer = new Trainer(context.Backend, model, loss, options, train, validation, Files(context, stage));
        return Run(context, stage, trainer);
    }

    /// <summary>The stage's checkpoint folder and its share of the run's metrics.jsonl, for a trainer made elsewhere.</summary>
    public static TrainerFiles Files(ExperimentContext context, string stage) =>
        new(Path.Combine(context.CheckpointFolder, stage), context.MetricsFile, stage + "_");

    /// <summary>Runs a trainer made with <see cref="Files"/> of the same stage (PPO's, DPO's).</summary>
    public static TrainingResult Run(ExperimentContext context, string stage, Trainer trainer)
    {
        var options = trainer.Options;
        using var progress = context.Progress(stage, options.Steps);
        trainer.CheckpointRejected += (folder, reason) =>
            context.Log($"{stage}: passing over checkpoint {Path.GetFileName(folder)}, which is damaged ({reason}); resuming from an older one");
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
        trainer.Validated += v => context.Log($"{stage}: {v.ToLogLine()}");
        var result = trainer.Train(context.Cancellation);
        if (result.Interrupted) throw new OperationCanceledException($"{stage} stopped at step {result.Step}; a checkpoint was written", context.Cancellation);
        return result;
    }
}
