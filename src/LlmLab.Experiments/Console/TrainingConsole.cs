using LlmLab.Training;
using Spectre.Console;

namespace LlmLab.Experiments;

/// <summary>
/// Shows a <see cref="Trainer"/> at work: llm.c's log line every <see cref="TrainingOptions.LogInterval"/> steps,
/// validation losses and checkpoints as they happen, under a Spectre.Console progress bar (steps, elapsed,
/// remaining) when the console is interactive; plain lines when output is redirected.
/// </summary>
public static class TrainingConsole
{
    public static TrainingResult Train(Trainer trainer, CancellationToken cancellation = default, IAnsiConsole? console = null)
    {
        console ??= AnsiConsole.Console;
        int interval = trainer.Options.LogInterval;
        void Line(string text) => console.MarkupLine(Markup.Escape(text));
        trainer.StepCompleted += r =>
        {
            if (r.Step % interval == 0 || r.Step == r.Steps || r.Step == 1) Line(r.ToLogLine());
        };
        trainer.Validated += v => console.MarkupLine($"[green]{Markup.Escape(v.ToLogLine())}[/]");
        trainer.Resumed += c => console.MarkupLine($"[yellow]resuming from {Markup.Escape(c.Folder)} (step {c.Step})[/]");
        trainer.CheckpointSaved += folder => console.MarkupLine($"[grey]checkpoint {Markup.Escape(folder)}[/]");

        if (!console.Profile.Capabilities.Interactive) return trainer.Train(cancellation);
        return console.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
            .Start(progress =>
            {
                var task = progress.AddTask("training", maxValue: trainer.Options.Steps);
                task.Value = trainer.Step;
                trainer.Resumed += c => task.Value = c.Step;
                trainer.StepCompleted += r => task.Value = r.Step;
                return trainer.Train(cancellation);
            });
    }
}
