using LlmLab.Data;
using LlmLab.Prompting;

namespace LlmLab.Experiments;

/// <summary>
/// The forgetting recipe (catastrophic forgetting, as continual-learning papers measure it): a base model learns
/// tasks 1 .. T one after another, each stage fine-tuning the previous stage's model on one task's training items,
/// three ways: fully, with LoRA (merged after each stage), and multi-task (stage t trains on a mixture of tasks
/// 1 .. t, the replay that keeps earlier tasks alive). After every stage every task is scored zero-shot on its test
/// items: R[t, j] is the score on task j after stage t. Average accuracy is the mean of R[T, ·]; backward transfer
/// BWT = mean over t &lt; T of R[T, t] - R[t, t] (Lopez-Paz and Ranzato, 2017): negative is forgetting.
/// </summary>
public static class ForgettingRecipe
{
    public static void Run(ForgettingConfig config, ExperimentContext context)
    {
        var tasks = InstructionTaskList.Tasks(config.Sequence, nameof(ForgettingConfig.Sequence));
        if (tasks.Count < 2) throw new ExperimentConfigException($"{nameof(ForgettingConfig.Sequence)}: name at least two tasks to learn one after another");
        var baseModel = PromptingBase.Obtain(context, config.BaseModel, config.PretrainSteps, config.Tokenizer, config.VocabularySize,
            config.Context, config.LabelledText, config.CheckpointInterval);
        ulong seed = context.Seed;
        var tests = InstructionTaskList.TestItems(seed, tasks, config.Items, TemplateSet.Training);
        var pool = InstructionTaskList.ShotPool(seed, tasks);
        var scores = new PromptScores(context);
        double[] Scores(TinyGpt model, string label) =>
            [.. scores.Evaluate(model, label, tests, pool, 0, config.MaxNewTokens).Select(s => s.Mean)];

        double[] before = Scores(baseModel, "base");
        var full = new InstructionTuning(config.StepsPerTask, config.BatchSize, config.LearningRate, CheckpointInterval: config.CheckpointInterval);
        var lora = full with { Lora = true, LearningRate = config.LoraLearningRate, LoraRank = config.LoraRank, LoraAlpha = config.LoraAlpha, TargetModules = config.TargetModules };
        var methods = new List<ForgettingMatrix>();
        foreach (var (name, stage, tuning, multiTask) in new[] { ("full fine-tuning", "full", full, false), ("LoRA", "lora", lora, false), ("multi-task", "multitask", full, true) })
        {
            var model = baseModel;
            var rows = new List<double[]>();
            for (int t = 0; t < tasks.Count; t++)
            {
                var train = multiTask
                    ? InstructionGenerator.Mixture(seed, [.. tasks.Take(t + 1)], config.TrainItems).ToArray()
                    : InstructionGenerator.Generate(seed, tasks[t], config.TrainItems).ToArray();
                var validation = InstructionGenerator.Generate(seed, tasks[t], 32, InstructionGenerator.TestStart + 10_000_000).ToArray();
                (model, _, _) = InstructionTraining.Train(context, $"{stage}-{t + 1}", model, train, validation, tuning);
                rows.Add(Scores(model, $"{stage} after {tasks[t]}"));
            }
            methods.Add(new ForgettingMatrix(name, stage, rows));
        }
        scores.Save();
        Report(context, tasks, before, methods);
    }

    private static void Report(ExperimentContext context, IReadOnlyList<string> tasks, double[] before, List<ForgettingMatrix> methods)
    {
        string Metric(string t) => InstructionFiles.MetricName(InstructionGenerator.Task(t).Metric);
        foreach (var m in methods)
        {
            context.Table($"forgetting: {m.Name}, score on each task after each stage",
                ["after", .. tasks.Select(t => $"{t} ({Metric(t)})")],
                [["base model", .. before.Select(v => (object?)v)], .. m.Rows.Select((row, t) => (IReadOnlyList<object?>)[$"stage {t + 1}: {tasks[t]}", .. row.Select(v => (object?)v)])],
                MatrixSentence(m, tasks));
            context.Heatmap($"forgetting-{m.Stage}", $"{m.Name}: R[stage, task]", "task scored", "after stage", tasks,
                [.. m.Rows.Select((row, t) => ($"{t + 1}: {tasks[t]}", (IReadOnlyList<double>)row))]);
        }
        context.Table("forgetting: average accuracy and backward transfer",
            ["method", "average score after the last stage", "backward transfer (BWT)"],
            methods.Select(m => (IReadOnlyList<object?>)[m.Name, m.AverageAccuracy, m.BackwardTransfer]),
            Sentence(methods));
        foreach (var m in methods)
        {
            context.Summary($"{m.Stage} average accuracy", m.AverageAccuracy);
            context.Summary($"{m.Stage} BWT", m.BackwardTransfer);
        }
    }

    private static string MatrixSentence(ForgettingMatrix m, IReadOnlyList<string> tasks)
    {
        int worst = Enumerable.Range(0, tasks.Count - 1).MinBy(t => m.Rows[^1][t] - m.Rows[t][t]);
        return FormattableString.Invariant($"Right after learning it, {tasks[worst]} scores {m.Rows[worst][worst]:0.###}; after the last stage ")
            + FormattableString.Invariant($"{m.Rows[^1][worst]:0.###} ({m.Rows[^1][worst] - m.Rows[worst][worst]:+0.###;-0.###}), the largest change of an earlier task.");
    }

    private static string Sentence(List<ForgettingMatrix> methods)
    {
        var full = methods.First(m => m.Stage == "full");
        string Of(ForgettingMatrix m) => FormattableString.Invariant($"{m.Name} BWT {m.BackwardTransfer:+0.###;-0.###;0}");
        string head = full.BackwardTransfer < -0.1
            ? "Fine-tuned on one task after another, the fully trained model forgets the earlier tasks"
            : full.BackwardTransfer < 0 ? "Fine-tuned on one task after another, the fully trained model forgets a little" : "Here the fully trained model does not forget";
        string Share(ForgettingMatrix m) => full.BackwardTransfer >= 0 ? ""
            : m.BackwardTransfer >= 0 ? ", no forgetting"
            : FormattableString.Invariant($", {m.BackwardTransfer / full.BackwardTransfer * 100:0}% of full fine-tuning's forgetting");
        return $"{head} ({Of(full)}, average score {NumberFormat.Significant(full.AverageAccuracy)} after the last stage). "
            + string.Join("; ", methods.Where(m => m != full).Select(m => Of(m) + Share(m) + $", average {NumberFormat.Significant(m.AverageAccuracy)}")) + ".";
    }
}

/// <summary>One method's scores: <see cref="Rows"/>[t][j] is the score on task j after stage t + 1.</summary>
public sealed record ForgettingMatrix(string Name, string Stage, IReadOnlyList<double[]> Rows)
{
    /// <summary>The mean score over the tasks after the last stage.</summary>
    public double AverageAccuracy => Rows[^1].Average();

    /// <summary>Mean over the earlier tasks of (score after the last stage - score right after learning it).</summary>
    public double BackwardTransfer => Enumerable.Range(0, Rows.Count - 1).Average(t => Rows[^1][t] - Rows[t][t]);
}
