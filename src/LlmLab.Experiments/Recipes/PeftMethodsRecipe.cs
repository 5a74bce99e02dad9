using System.Globalization;
using LlmLab.Data;
using LlmLab.Nn;
using LlmLab.Peft;

namespace LlmLab.Experiments;

/// <summary>
/// The peft recipe: one base model fine-tuned with each method (full, LoRA, QLoRA, BitFit, IA3, bottleneck adapters,
/// prompt tuning, prefix tuning) and
/// each point of a LoRA sweep, on each task apart (so that a one-token label is not drowned by summaries' many
/// tokens) for the same number of steps, then prompted zero-shot on that task's test items. Report: per method its trainable parameters, each task's score,
/// its share of full fine-tuning's gain over the base model, its step time and memory; a plot of score against
/// trainable parameters (log scale); sentences naming the method closest to full fine-tuning and the one with the
/// fewest parameters that still reaches half of its gain.
/// </summary>
public static class PeftMethodsRecipe
{
    /// <summary>A method reaching at least this share of full fine-tuning's gain counts as "close" in the report.</summary>
    public const double HalfOfFull = 0.5;

    public static void Run(PeftMethodsConfig config, ExperimentContext context)
    {
        var tasks = InstructionTaskList.Tasks(config.Tasks, nameof(PeftMethodsConfig.Tasks));
        var methods = PeftMethods.Parse(config.Methods, nameof(PeftMethodsConfig.Methods));
        var sweep = LoraVariant.Parse(config.LoraSweep, nameof(PeftMethodsConfig.LoraSweep));
        var baseModel = PromptingBase.Obtain(context, config.BaseModel, config.PretrainSteps, config.Tokenizer, config.VocabularySize,
            config.Context, config.LabelledText, config.CheckpointInterval);

        ulong seed = context.Seed;
        var tests = InstructionTaskList.TestItems(seed, tasks, config.Items, TemplateSet.Training);
        var pool = InstructionTaskList.ShotPool(seed, tasks);
        var training = tasks.ToDictionary(t => t, t => InstructionGenerator.Generate(seed, t, config.TrainItems).ToArray());
        var validation = tasks.ToDictionary(t => t, t => InstructionGenerator.Generate(seed, t, 32, InstructionGenerator.TestStart + 10_000_000).ToArray());
        var scores = new PromptScores(context);

        var baseScores = scores.Evaluate(baseModel, "base", tests, pool, 0, config.MaxNewTokens).ToDictionary(s => s.Task, s => s.Mean);
        var rows = new List<(PeftRun Run, Dictionary<string, double> Scores)>();
        foreach (var spec in Specs(config, methods, sweep))
        {
            var byTask = new Dictionary<string, double>();
            PeftRun? total = null;
            foreach (var task in tasks)
            {
                var stage = spec with { Stage = $"{spec.Stage}-{task}" };
                var run = PeftTraining.Train(context, baseModel, stage, training[task], validation[task], config.Steps, config.BatchSize,
                    config.WarmupSteps, config.CheckpointInterval);
                byTask[task] = scores.Evaluate(run.Model, stage.Stage, [.. tests.Where(i => i.Task == task)], pool, 0, config.MaxNewTokens).Single().Mean;
                total = total is null ? run : total with { Time = total.Time + run.Time, Steps = total.Steps + run.Steps, PeakBytes = Math.Max(total.PeakBytes, run.PeakBytes) };
            }
            rows.Add((total! with { Spec = spec }, byTask));
        }
        scores.Save();
        Report(context, config, tasks, baseScores, rows);
    }

    /// <summary>The methods in the order given, then the sweep's LoRA variants.</summary>
    private static IEnumerable<PeftSpec> Specs(PeftMethodsConfig config, IReadOnlyList<PeftMethod> methods, IReadOnlyList<LoraVariant> sweep)
    {
        var lora = new LoraConfig
        {
            Rank = config.LoraRank, Alpha = (float)config.LoraAlpha, UseRsLora = config.UseRsLora, TargetModules = LoraConfig.ParseTargets(config.TargetModules),
        };
        string rank = config.LoraRank.ToString(CultureInfo.InvariantCulture);
        foreach (var method in methods)
            yield return method switch
            {
                PeftMethod.Full => new PeftSpec(method, "full fine-tuning", "full", config.LearningRate),
                PeftMethod.Lora => new PeftSpec(method, $"LoRA r{rank}", "lora", config.LoraLearningRate, lora),
                PeftMethod.Qlora => new PeftSpec(method, $"QLoRA r{rank} over {config.QloraFormat.Name()}", "qlora", config.LoraLearningRate, lora, config.QloraFormat),
                PeftMethod.BitFit => new PeftSpec(method, "BitFit (biases)", "bitfit", config.BitFitLearningRate),
                PeftMethod.Ia3 => new PeftSpec(method, "IA3", "ia3", config.Ia3LearningRate),
                PeftMethod.Adapters => new PeftSpec(method, $"adapters (Houlsby, reduction {config.ReductionFactor})", "adapters", config.AdapterLearningRate,
                    ReductionFactor: config.ReductionFactor),
                PeftMethod.PromptTuning => new PeftSpec(method, $"prompt tuning, {config.VirtualTokens} tokens", "prompt-tuning", config.PromptLearningRate,
                    VirtualTokens: config.VirtualTokens),
                _ => new PeftSpec(method, $"prefix tuning, {config.VirtualTokens} tokens", "prefix-tuning", config.PrefixLearningRate,
                    VirtualTokens: config.VirtualTokens),
            };
        foreach (var variant in sweep)
            yield return new PeftSpec(PeftMethod.Lora, variant.Label, $"lora-r{variant.Rank.ToString(CultureInfo.InvariantCulture)}-{variant.Targets}",
                config.LoraLearningRate, lora with { Rank = variant.Rank, TargetModules = variant.TargetModules });
    }

    private static void Report(ExperimentContext context, PeftMethodsConfig config, IReadOnlyList<string> tasks, Dictionary<string, double> baseScores,
        List<(PeftRun Run, Dictionary<string, double> Scores)> rows)
    {
        string Metric(string t) => InstructionFiles.MetricName(InstructionGenerator.Task(t).Metric);
        var full = rows.FirstOrDefault(r => r.Run.Spec.Method == PeftMethod.Full);
        double? Share(Dictionary<string, double> s) => full.Run is null ? null : GainShare(tasks, baseScores, full.Scores, s);
        static double Mb(long bytes) => bytes / 1048576.0;

        long parameters = rows.Count > 0 ? rows[0].Run.BaseParameters : 0;
        var table = new List<IReadOnlyList<object?>>
        {
            (IReadOnlyList<object?>)["base model (no training)", 0L, 0.0, .. tasks.Select(t => (object?)baseScores[t]), null, null, null, null, null],
        };
        table.AddRange(rows.Select(r => (IReadOnlyList<object?>)[r.Run.Spec.Label, r.Run.Trainable, 100.0 * r.Run.Trainable / r.Run.BaseParameters,
            .. tasks.Select(t => (object?)r.Scores[t]), Share(r.Scores) is { } share ? 100 * share : null,
            r.Run.StepTime, Mb(r.Run.WeightBytes), Mb(r.Run.StateBytes), Mb(r.Run.PeakBytes)]));
        context.Table("peft: methods at the same data and steps",
            ["method", "trainable parameters", "% of the model", .. tasks.Select(t => $"{t} ({Metric(t)})"), "% of full fine-tuning's gain",
                "time per step", "weights (MB)", "gradients + AdamW state (MB)", "peak tensor memory (MB, measured)"],
            table, Sentence(tasks, baseScores, rows, Share, config));
        context.LogScatter("peft-methods", "Score against trainable parameters", "trainable parameters (log scale)", "score",
            [.. rows.Select(r => r.Run.Spec.Label)],
            [.. tasks.Select(t => new PlotSeries($"{t} ({Metric(t)})", [.. rows.Select(r => (double)r.Run.Trainable)], [.. rows.Select(r => r.Scores[t])]))]);
        foreach (var t in tasks) context.Summary($"base {t}", baseScores[t]);
        foreach (var (run, s) in rows)
        {
            foreach (var t in tasks) context.Summary($"{run.Spec.Stage} {t}", s[t]);
            context.Summary($"{run.Spec.Stage} trainable parameters", run.Trainable);
            context.Summary($"{run.Spec.Stage} peak MB", Mb(run.PeakBytes));
        }
        context.Log($"peft: {rows.Count} fine-tunings of a {parameters:N0}-parameter model compared");
    }

    /// <summary>Mean over the tasks of (score - base) / (full - base), over the tasks where full fine-tuning gains at
    /// least 0.01; null when it gains on none.</summary>
    public static double? GainShare(IReadOnlyList<string> tasks, Dictionary<string, double> baseScores, Dictionary<string, double> full,
        Dictionary<string, double> scores)
    {
        var gained = tasks.Where(t => full[t] - baseScores[t] >= 0.01).ToArray();
        return gained.Length == 0 ? null : gained.Average(t => (scores[t] - baseScores[t]) / (full[t] - baseScores[t]));
    }

    private static string Sentence(IReadOnlyList<string> tasks, Dictionary<string, double> baseScores, List<(PeftRun Run, Dictionary<string, double> Scores)> rows,
        Func<Dictionary<string, double>, double?> share, PeftMethodsConfig config)
    {
        string Scores(Dictionary<string, double> s) => string.Join(", ", tasks.Select(t => FormattableString.Invariant($"{t} {s[t]:F3}")));
        string head = $"Every method trained {config.Steps} steps of {config.BatchSize} items on each task; the base model scores {Scores(baseScores)}.";
        var full = rows.FirstOrDefault(r => r.Run.Spec.Method == PeftMethod.Full);
        if (full.Run is null) return head + " Add full to Methods to compare each method with full fine-tuning.";
        if (share(full.Scores) is null) return head + $" Full fine-tuning ({Scores(full.Scores)}) gains nothing over the base model here, so no method can be measured against it.";
        var others = rows.Where(r => r.Run.Spec.Method != PeftMethod.Full && share(r.Scores) is not null)
            .Select(r => (r.Run, Share: share(r.Scores)!.Value, Percent: 100.0 * r.Run.Trainable / r.Run.BaseParameters)).ToArray();
        string text = head + $" Full fine-tuning reaches {Scores(full.Scores)}.";
        if (others.Length == 0) return text;
        var closest = others.MaxBy(o => o.Share);
        text += FormattableString.Invariant($" Closest to it: {closest.Run.Spec.Label}, with {100 * closest.Share:F0}% of its gain from {closest.Percent:0.###}% of the parameters.");
        var leanest = others.Where(o => o.Share >= HalfOfFull).OrderBy(o => o.Run.Trainable).FirstOrDefault();
        text += leanest.Run is null
            ? FormattableString.Invariant($" No other method reaches half of full fine-tuning's gain at {config.Steps} steps.")
            : FormattableString.Invariant($" Per trainable parameter, {leanest.Run.Spec.Label} does best: the fewest parameters ({leanest.Run.Trainable:N0}, {leanest.Percent:0.###}%) of the methods that reach at least half of full fine-tuning's gain ({100 * leanest.Share:F0}%).");
        var below = others.Where(o => o.Share < HalfOfFull).Select(o => FormattableString.Invariant($"{o.Run.Spec.Label} {100 * o.Share:F0}%")).ToArray();
        if (below.Length > 0) text += $" Below half: {string.Join(", ", below)}.";
        return text + Memory(rows.Select(r => r.Run).ToArray());
    }

    /// <summary>What the measured peaks say beside the weights and training state the methods save.</summary>
    private static string Memory(PeftRun[] runs)
    {
        var least = runs.MinBy(r => r.PeakBytes)!;
        var most = runs.MaxBy(r => r.PeakBytes)!;
        var full = runs.FirstOrDefault(r => r.Spec.Method == PeftMethod.Full);
        string text = FormattableString.Invariant(
            $" Peak tensor memory, measured, runs from {least.PeakBytes / 1048576.0:F1} MB ({least.Spec.Label}) to {most.PeakBytes / 1048576.0:F1} MB ({most.Spec.Label})");
        if (full is null) return text + ".";
        double saved = (full.WeightBytes + full.StateBytes - least.WeightBytes - least.StateBytes) / 1048576.0;
        double activations = (least.PeakBytes - least.WeightBytes - least.StateBytes) / 1048576.0;
        return text + (activations > saved
            ? FormattableString.Invariant($": a training step's activations and their gradients (about {activations:F0} MB, kept on the tape until the step ends) outweigh the {saved:F1} MB of weights, gradients and optimizer state a method saves over full fine-tuning at this size.")
            : FormattableString.Invariant($": full fine-tuning's gradients and optimizer state ({saved:F1} MB more than {least.Spec.Label}'s) outweigh a step's activations (about {activations:F0} MB)."));
    }
}
