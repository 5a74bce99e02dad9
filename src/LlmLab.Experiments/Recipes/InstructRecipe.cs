using LlmLab.Data;
using LlmLab.Prompting;

namespace LlmLab.Experiments;

/// <summary>
/// The instruct recipe (FLAN at small scale): a base model; three fine-tuned copies of it, on one task
/// (<see cref="InstructConfig.SingleTask"/>), on a mixture of every training task (full), and on the same mixture
/// with LoRA, each in the tasks' training templates only; then every model prompted zero-shot on the training tasks'
/// held-out templates and on the held-out task, beside the base model prompted with 0, 1, ... shots. Report: the
/// scores per model and task, the base model's best few-shot score per task, and the comparison in a sentence.
/// </summary>
public static class InstructRecipe
{
    public static void Run(InstructConfig config, ExperimentContext context)
    {
        var all = InstructionGenerator.Tasks;
        var trainingTasks = all.Where(t => !t.HeldOut).Select(t => t.Name).ToArray();
        var heldOutTasks = all.Where(t => t.HeldOut).Select(t => t.Name).ToArray();
        string single = InstructionTaskList.Tasks(config.SingleTask, nameof(InstructConfig.SingleTask)) is [var one]
            ? one : throw new ExperimentConfigException($"{nameof(InstructConfig.SingleTask)}: name one task");
        if (!trainingTasks.Contains(single))
            throw new ExperimentConfigException($"{nameof(InstructConfig.SingleTask)}: '{single}' is held out of training; choose one of {string.Join(", ", trainingTasks)}");
        // Zero shots always: the base model's zero-shot score is what instruction tuning is measured against.
        var baseShots = InstructionTaskList.Shots(config.BaseShots, nameof(InstructConfig.BaseShots)).Prepend(0).Distinct().ToArray();

        var baseModel = PromptingBase.Obtain(context, config.BaseModel, config.PretrainSteps, config.Tokenizer, config.VocabularySize,
            config.Context, config.LabelledText, config.CheckpointInterval);
        ulong seed = context.Seed;
        var tests = InstructionTaskList.TestItems(seed, trainingTasks, config.Items, TemplateSet.HeldOut)
            .Concat(InstructionTaskList.TestItems(seed, heldOutTasks, config.Items, TemplateSet.All)).ToArray();
        var pool = InstructionTaskList.ShotPool(seed, all.Select(t => t.Name));
        var scores = new PromptScores(context);
        var tasks = trainingTasks.Concat(heldOutTasks).ToArray();
        Dictionary<string, double> Zero(TinyGpt model, string label) =>
            scores.Evaluate(model, label, tests, pool, 0, config.MaxNewTokens).ToDictionary(s => s.Task, s => s.Mean);

        var rows = new List<(string Model, Dictionary<string, double> Scores)>();
        var baseByShots = baseShots.Select(k => (k, scores.Evaluate(baseModel, "base", tests, pool, k, config.MaxNewTokens)
            .ToDictionary(s => s.Task, s => s.Mean))).ToArray();
        foreach (var (k, s) in baseByShots) rows.Add(($"base, {k}-shot", s));
        var best = tasks.ToDictionary(t => t, t => baseByShots.Max(b => b.Item2[t]));
        rows.Add(("base, best of those per task", best));

        var validation = InstructionGenerator.Mixture(seed, trainingTasks, 32, InstructionGenerator.TestStart + 10_000_000).ToArray();
        var mixture = InstructionGenerator.Mixture(seed, trainingTasks, config.TrainItems).ToArray();
        var singleItems = InstructionGenerator.Generate(seed, single, config.TrainItems).ToArray();
        var full = new InstructionTuning(config.Steps, config.BatchSize, config.LearningRate, CheckpointInterval: config.CheckpointInterval);
        var lora = full with { Lora = true, LearningRate = config.LoraLearningRate, LoraRank = config.LoraRank, LoraAlpha = config.LoraAlpha, TargetModules = config.TargetModules };

        var trained = new List<(string Label, long Trainable, TimeSpan Time)>();
        foreach (var (label, stage, items, tuning) in new[]
        {
            ($"single-task ({single}), full", "single", singleItems, full),
            ("multi-task, full", "multitask", mixture, full),
            ("multi-task, LoRA", "multitask-lora", mixture, lora),
        })
        {
            var (model, time, trainable) = InstructionTraining.Train(context, stage, baseModel, items, validation, tuning);
            trained.Add((label, trainable, time));
            rows.Add((label, Zero(model, stage)));
        }
        scores.Save();
        Report(context, config, trainingTasks, heldOutTasks, single, rows, trained, baseModel.Model.ParameterCount());
    }

    private static void Report(ExperimentContext context, InstructConfig config, string[] trainingTasks, string[] heldOutTasks, string single,
        List<(string Model, Dictionary<string, double> Scores)> rows, List<(string Label, long Trainable, TimeSpan Time)> trained, long parameters)
    {
        double Mean(Dictionary<string, double> s) => trainingTasks.Average(t => s[t]);
        string Metric(string t) => InstructionFiles.MetricName(InstructionGenerator.Task(t).Metric);
        context.Table("instruct: zero-shot scores on held-out templates and the held-out task",
            ["model", .. trainingTasks.Select(t => $"{t} ({Metric(t)})"), "mean, held-out templates", .. heldOutTasks.Select(t => $"{t} ({Metric(t)}, held-out task)")],
            rows.Select(r => (IReadOnlyList<object?>)[r.Model, .. trainingTasks.Select(t => (object?)r.Scores[t]), Mean(r.Scores), .. heldOutTasks.Select(t => (object?)r.Scores[t])]),
            Sentence(trainingTasks, heldOutTasks, single, rows));
        context.Table("instruct: fine-tunings",
            ["model", "trainable parameters", "% of all", "steps", "train time"],
            trained.Select(t => (IReadOnlyList<object?>)[t.Label, t.Trainable, 100.0 * t.Trainable / parameters, config.Steps, t.Time]),
            $"Each fine-tuning trains {config.Steps} steps of {config.BatchSize} items in the training templates only; LoRA (rank {config.LoraRank}) trains "
            + NumberFormat.Percent((double)trained[^1].Trainable / parameters) + " of the parameters.");
        var zeroShot = rows[0].Scores;
        var best = rows.First(r => r.Model.StartsWith("base, best", StringComparison.Ordinal)).Scores;
        context.Summary("base zero-shot, held-out templates", Mean(zeroShot));
        context.Summary("base best few-shot, held-out templates", Mean(best));
        foreach (var (label, key) in new[] { ("single-task", "single-task"), ("multi-task, full", "multi-task"), ("multi-task, LoRA", "multi-task LoRA") })
        {
            var row = rows.First(r => r.Model.StartsWith(label, StringComparison.Ordinal)).Scores;
            context.Summary($"{key} zero-shot, held-out templates", Mean(row));
            foreach (var t in heldOutTasks) context.Summary($"{key} zero-shot, {t} (held-out task)", row[t]);
        }
        foreach (var t in heldOutTasks) context.Summary($"base zero-shot, {t} (held-out task)", zeroShot[t]);
    }

    private static string Sentence(string[] trainingTasks, string[] heldOutTasks, string single, List<(string Model, Dictionary<string, double> Scores)> rows)
    {
        double Mean(Dictionary<string, double> s) => trainingTasks.Average(t => s[t]);
        var byLabel = rows.ToDictionary(r => r.Model, r => r.Scores);
        var best = rows.First(r => r.Model.StartsWith("base, best", StringComparison.Ordinal)).Scores;
        var multi = byLabel["multi-task, full"];
        var lora = byLabel["multi-task, LoRA"];
        var one = rows.First(r => r.Model.StartsWith("single-task", StringComparison.Ordinal)).Scores;
        string N(double x) => NumberFormat.Significant(x);
        string verdict = Mean(multi) > Mean(best)
            ? "instruction tuning beats the base model's best prompt without any example in the prompt"
            : "instruction tuning does not beat the base model's best prompt here";
        string held = string.Join("; ", heldOutTasks.Select(t => $"on the held-out task {t}, base {N(rows[0].Scores[t])}, multi-task {N(multi[t])}, LoRA {N(lora[t])}"));
        return $"On templates it never trained on, the multi-task model scores {N(Mean(multi))} zero-shot (mean over {trainingTasks.Length} tasks) "
            + $"against the base model's {N(Mean(rows[0].Scores))} zero-shot and {N(Mean(best))} with its best number of shots per task: {verdict}. "
            + $"LoRA reaches {N(Mean(lora))}; fine-tuning on {single} alone reaches {N(Mean(one))} ({single} {N(one[single])}, the other tasks "
            + $"{N(trainingTasks.Where(t => t != single).Average(t => one[t]))}). {char.ToUpperInvariant(held[0])}{held[1..]}.";
    }
}
