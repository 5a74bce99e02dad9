using System.Diagnostics;
using System.Globalization;
using LlmLab.Autograd;
using LlmLab.Evaluation;
using LlmLab.Generation;
using LlmLab.Models;
using LlmLab.Peft;
using LlmLab.Tokenizers;
using LlmLab.Training;

namespace LlmLab.Experiments;

/// <summary>
/// The finetune recipe: obtain the base model (a saved one, or pre-trained here, by default with BPE at a context of
/// 192 tokens), fine-tune a copy of it fully and/or with LoRA on the dialogue summaries (each its own
/// <see cref="TrainingStage"/>: "full", "lora"), summarise the test dialogues greedily with each model and the base,
/// and record: trainable parameters, losses, ROUGE-1/2/L/Lsum and training time; the facts each model's summaries
/// state and invent; a few test dialogues with every summary side by side; the validation losses on one chart.
/// Fine-tuned models are saved to full-model/ and lora-model/ (LoRA merged into the weights).
/// </summary>
public static class FinetuneRecipe
{
    /// <summary>The context a base model pre-trained here gets: a dialogue and its summary take up to about 500 characters, or 175 BPE tokens.</summary>
    public static int PretrainContext(TokenizerKind tokenizer) => tokenizer == TokenizerKind.Bpe ? 192 : 512;

    /// <summary>Test dialogues shown with every model's summary, in the report and on the console.</summary>
    public const int ShownDialogues = 3;

    public static void Run(FinetuneConfig config, ExperimentContext context)
    {
        var baseModel = ModelSource.Obtain(context, config.BaseModel, config.PretrainSteps, config.Tokenizer, config.VocabularySize,
            contextLength: config.Context > 0 ? config.Context : PretrainContext(config.Tokenizer),
            checkpointInterval: config.CheckpointInterval);
        if (config.Method == FinetuneMethod.Both)
        {
            Compare(baseModel, config, context);
            return;
        }
        var data = Prepare(baseModel, config, context);
        var tuned = Train(baseModel, config.Method, config, data, context);
        var baseline = Evaluate(baseModel, "base", config, data, context);
        Record(context, config, data, [baseline, tuned]);
    }

    /// <summary>
    /// Fine-tunes two copies of <paramref name="baseModel"/>, one fully and one with LoRA, evaluates them beside the
    /// base, and records the comparison. <paramref name="baseModel"/> itself is left as it was.
    /// </summary>
    public static FinetuneComparison Compare(TinyGpt baseModel, FinetuneConfig config, ExperimentContext context)
    {
        var data = Prepare(baseModel, config, context);
        var full = Train(baseModel, FinetuneMethod.Full, config, data, context);
        var lora = Train(baseModel, FinetuneMethod.Lora, config, data, context);
        var baseline = Evaluate(baseModel, "base", config, data, context);
        Record(context, config, data, [baseline, full, lora]);
        return new FinetuneComparison(baseline, full, lora);
    }

    /// <summary>One fine-tuning (<see cref="FinetuneMethod.Full"/> or <see cref="FinetuneMethod.Lora"/>) of a copy of <paramref name="baseModel"/>.</summary>
    public static FinetuneResult Finetune(TinyGpt baseModel, FinetuneMethod method, FinetuneConfig config, ExperimentContext context) =>
        Train(baseModel, method, config, Prepare(baseModel, config, context), context);

    private static FinetuneData Prepare(TinyGpt baseModel, FinetuneConfig config, ExperimentContext context)
    {
        int positions = baseModel.Model.Config.Context;
        var data = FinetuneData.Create(baseModel.Tokenizer, positions, config, context.Seed);
        context.Table("finetune: data",
            ["", "dialogues", "skipped (longer than the context)"],
            [["train", data.Train.Count, data.TrainSkipped], ["test", data.TestExamples.Count, data.TestSkipped]],
            $"{data.Train.Count} training and {data.TestExamples.Count} test dialogues with their summaries fit the model's context of {positions} {CorpusTokenizer.Unit(baseModel.Tokenizer)}; "
            + $"{data.TrainSkipped + data.TestSkipped} longer ones were left out.");
        return data;
    }

    private static FinetuneResult Train(TinyGpt baseModel, FinetuneMethod method, FinetuneConfig config, FinetuneData data, ExperimentContext context)
    {
        if (method == FinetuneMethod.Both) throw new ArgumentException("train one method at a time (Full or Lora)", nameof(method));
        string stage = method == FinetuneMethod.Full ? "full" : "lora";
        var model = baseModel.Copy();
        var gpt = model.Model;
        if (method == FinetuneMethod.Lora)
        {
            var lora = new LoraConfig { Rank = config.LoraRank, Alpha = (float)config.LoraAlpha, TargetModules = LoraConfig.ParseTargets(config.TargetModules) };
            try
            {
                var layers = Lora.Apply(gpt, lora, context.Seed);
                context.Log($"lora: rank {lora.Rank}, alpha {lora.Alpha}, {layers.Count} layers ({string.Join(", ", layers.Select(l => l.Name))})");
            }
            catch (ArgumentException e)
            {
                throw new ExperimentConfigException($"TargetModules: {e.Message}");
            }
        }
        long trainable = gpt.ParameterCount(trainableOnly: true), all = gpt.ParameterCount();

        double rate = method == FinetuneMethod.Full ? config.LearningRate : config.LoraLearningRate;
        var options = new TrainingOptions
        {
            Steps = config.Steps, LearningRate = (float)rate, MinLearningRate = (float)rate / 10, WarmupSteps = Math.Min(config.WarmupSteps, config.Steps),
            WeightDecay = (float)config.WeightDecay, MaxGradientNorm = 1,
            EvaluationInterval = Math.Max(1, config.Steps / 5), EvaluationBatches = 1,
            CheckpointInterval = config.CheckpointInterval > 0 ? config.CheckpointInterval : Math.Max(1, config.Steps / 2),
            LogInterval = Math.Max(1, config.Steps / 10),
        };
        var clock = Stopwatch.StartNew();
        var result = TrainingStage.Run(context, stage, gpt, (tape, b) => gpt.Loss(tape, b.Inputs, b.Targets), options, data.Train, data.Test);
        var trainTime = clock.Elapsed;

        if (method == FinetuneMethod.Lora)
        {
            Lora.MergeAndUnload(gpt);
            gpt.Unfreeze("*");
        }
        string folder = Path.Combine(context.RunFolder, $"{stage}-model");
        model.Save(folder);
        context.Log($"{stage}: model saved to {folder}");
        var (rouge, faithfulness, summaries) = Summarise(model, stage, config, data, context);
        return new FinetuneResult(stage, model, trainable, all, result.LastLoss, TestLoss(model, data, context), rouge, faithfulness, trainTime, summaries);
    }

    private static FinetuneResult Evaluate(TinyGpt model, string name, FinetuneConfig config, FinetuneData data, ExperimentContext context)
    {
        var (rouge, faithfulness, summaries) = Summarise(model, name, config, data, context);
        return new FinetuneResult(name, model, 0, model.Model.ParameterCount(), null, TestLoss(model, data, context), rouge, faithfulness, null, summaries);
    }

    /// <summary>Mean cross-entropy over every test summary token (the test set is one batch).</summary>
    private static float TestLoss(TinyGpt model, FinetuneData data, ExperimentContext context)
    {
        using var batch = data.Test.Batch(context.Backend, 0);
        using var tape = new Tape(context.Backend, recordGradients: false);
        return model.Model.Loss(tape, batch.Inputs, batch.Targets).Data.ToArray<float>()[0];
    }

    /// <summary>
    /// Greedy summaries of the test dialogues (up to the first line break), scored with ROUGE against the references
    /// and for the slot values they state.
    /// </summary>
    private static (RougeScores Mean, SummaryFaithfulness Faithfulness, string[] Summaries) Summarise(TinyGpt model, string name, FinetuneConfig config, FinetuneData data, ExperimentContext context)
    {
        var tokenizer = model.Tokenizer;
        var options = new GenerationOptions { MaxNewTokens = config.MaxNewTokens, StopTokens = LineBreakTokens(tokenizer), Seed = context.Seed };
        var examples = data.TestExamples;
        var summaries = new string[examples.Count];
        var scores = new RougeScores[examples.Count];
        var faithfulness = SummaryFaithfulness.None;
        using var progress = context.Progress($"{name}: summarising", examples.Count);
        for (int i = 0; i < examples.Count; i++)
        {
            context.Cancellation.ThrowIfCancellationRequested();
            var generated = Generator.Generate(model.Model, [tokenizer.Encode(FinetuneData.Prompt(examples[i].Dialogue))], options)[0];
            string text = tokenizer.Decode(generated);
            int end = text.IndexOf('\n');
            summaries[i] = (end < 0 ? text : text[..end]).Trim();
            scores[i] = Rouge.Score(summaries[i], examples[i].Summary);
            faithfulness += SummaryFaithfulness.Of(summaries[i], examples[i]);
            progress.Increment();
        }
        var mean = Rouge.Mean(scores);
        context.Log($"{name}: ROUGE-1 {F(mean.Rouge1.F1)}, ROUGE-2 {F(mean.Rouge2.F1)}, ROUGE-L {F(mean.RougeL.F1)}; "
            + $"{NumberFormat.Percent(faithfulness.CorrectShare)} of the reference facts stated, {NumberFormat.Percent(faithfulness.InventedShare)} of stated values invented");
        return (mean, faithfulness, summaries);
    }

    /// <summary>Every token whose text holds a line break: a summary ends at its line.</summary>
    internal static int[] LineBreakTokens(ITokenizer tokenizer) =>
        [.. Enumerable.Range(0, tokenizer.VocabularySize).Where(id => !tokenizer.SpecialTokens.IsSpecial(id) && tokenizer.Decode([id]).Contains('\n'))];

    private static void Record(ExperimentContext context, FinetuneConfig config, FinetuneData data, IReadOnlyList<FinetuneResult> results)
    {
        static object Or(float? value) => value is { } v ? v : "-";
        context.Table("finetune: base vs fine-tuned",
            ["method", "trainable parameters", "% of all", "final train loss", "test loss", "ROUGE-1", "ROUGE-2", "ROUGE-L", "ROUGE-Lsum", "train_time"],
            results.Select(r => (IReadOnlyList<object?>)[
                r.Method, r.TrainableParameters, r.TrainablePercent, Or(r.FinalTrainLoss), Or(r.TestLoss),
                r.Rouge.Rouge1.F1, r.Rouge.Rouge2.F1, r.Rouge.RougeL.F1, r.Rouge.RougeLsum.F1, r.TrainTime is { } t ? t : "-"]),
            Sentence(config, results));

        context.Table("finetune: facts stated and invented",
            ["method", "reference facts", "stated correctly", "% stated correctly", "values stated", "invented", "% invented"],
            results.Select(r => (IReadOnlyList<object?>)[
                r.Method, r.Faithfulness.Expected, r.Faithfulness.Correct, 100 * r.Faithfulness.CorrectShare,
                r.Faithfulness.Stated, r.Faithfulness.Invented, 100 * r.Faithfulness.InventedShare]),
            FaithfulnessSentence(results, data.TestExamples.Count));

        // A few test dialogues with every summary side by side: what the numbers mean in words.
        for (int i = 0; i < Math.Min(ShownDialogues, data.TestExamples.Count); i++)
        {
            var example = data.TestExamples[i];
            int index = i;
            context.Table($"finetune: test dialogue {i + 1}",
                ["model", "summary", "ROUGE-L", "facts stated", "invented"],
                [["reference", example.Summary, 1.0, $"{example.SummarySlots.Count} of {example.SummarySlots.Count}", 0],
                 .. results.Select(r =>
                 {
                     var f = SummaryFaithfulness.Of(r.Summaries[index], example);
                     return (IReadOnlyList<object?>)[r.Method, r.Summaries[index], Rouge.RougeL(r.Summaries[index], example.Summary).F1, $"{f.Correct} of {f.Expected}", f.Invented];
                 })],
                $"Test dialogue {i + 1} ({example.Topic}): {GeneratedText.ForTable(example.Dialogue, 600)}");
            context.Log($"test dialogue {i + 1} ({example.Topic}), facts: {string.Join(", ", example.SummarySlots)}");
            context.Log($"  reference: {example.Summary}");
            foreach (var r in results) context.Log($"  {r.Method,-9}: {r.Summaries[index]}");
        }

        PlotValidationLosses(context);
        foreach (var r in results)
        {
            context.Summary($"{r.Method} ROUGE-L", r.Rouge.RougeL.F1);
            context.Summary($"{r.Method} facts stated", r.Faithfulness.CorrectShare);
            context.Summary($"{r.Method} facts invented", r.Faithfulness.InventedShare);
        }
    }

    /// <summary>
    /// The validation loss of pre-training (when this run did it) and of each fine-tuning on one chart, the
    /// fine-tunings drawn after the pre-training steps, where they start from.
    /// </summary>
    private static void PlotValidationLosses(ExperimentContext context)
    {
        var metrics = MetricsLog.Read(context.MetricsFile);
        var pretrain = metrics.FirstOrDefault(m => m.Name == "pretrain_val_loss");
        long offset = pretrain?.FinalStep ?? 0;
        var series = new List<PlotSeries>();
        if (pretrain is not null) series.Add(Series("pre-training", pretrain, 0));
        foreach (var (stage, label) in new[] { ("full", "full fine-tuning"), ("lora", "LoRA") })
            if (metrics.FirstOrDefault(m => m.Name == $"{stage}_val_loss") is { } m) series.Add(Series(label, m, offset));
        if (series.Count == 0) return;
        context.Plot("validation-loss", "Validation loss: pre-training (corpus), then fine-tuning (test summaries)", "step", "loss (nats a token)", series);
    }

    private static PlotSeries Series(string label, MetricSeries metric, long offset) =>
        new(label, [.. metric.Points.Select(p => (double)(p.Step + offset))], [.. metric.Points.Select(p => p.Value)]);

    /// <summary>How often the models state the reference's facts and invent values, from the counts.</summary>
    private static string FaithfulnessSentence(IReadOnlyList<FinetuneResult> results, int dialogues)
    {
        string Label(FinetuneResult r) => r.Method switch { "base" => "the base model", "full" => "full fine-tuning", "lora" => "LoRA", _ => r.Method };
        string Shares(FinetuneResult r) => $"{NumberFormat.Percent(r.Faithfulness.CorrectShare)} and {NumberFormat.Percent(r.Faithfulness.InventedShare)}";
        var first = results[0];
        var best = results.MaxBy(r => r.Faithfulness.CorrectShare)!;
        var rouge = results.MaxBy(r => r.Rouge.RougeL.F1)!;
        string text = $"Of the {first.Faithfulness.Expected} names, places, days, times and amounts the {dialogues} reference {(dialogues == 1 ? "summary states" : "summaries state")}, "
            + $"{Label(first)}'s summaries state {NumberFormat.Percent(first.Faithfulness.CorrectShare)}, and {NumberFormat.Percent(first.Faithfulness.InventedShare)} of the values they give "
            + "are invented (in no line of the dialogue)"
            + string.Concat(results.Skip(1).Select(r => $"; after {Label(r)} {Shares(r)}")) + ". ";
        if (results.All(r => r.Faithfulness.Stated == 0)) return text + "No summary states any of these values yet.";
        return text + (best.Faithfulness.CorrectShare < 0.5
            ? $"Most values are guessed rather than copied: {Label(rouge)} reaches ROUGE-L {F(rouge.Rouge.RougeL.F1)}, since ROUGE counts the words around a wrong name as much as the name."
            : $"{Capitalised(Label(best))} copies most of the facts; ROUGE-L ({F(best.Rouge.RougeL.F1)}) counts a wrong name as one word among many.");
    }

    private static string Capitalised(string text) => char.ToUpperInvariant(text[0]) + text[1..];

    /// <summary>What the table shows, from its numbers: how far each fine-tuning moved ROUGE-L and at what share of trainable parameters.</summary>
    private static string Sentence(FinetuneConfig config, IReadOnlyList<FinetuneResult> results)
    {
        var baseline = results[0];
        var full = results.FirstOrDefault(r => r.Method == "full");
        var lora = results.FirstOrDefault(r => r.Method == "lora");
        string baseText = $"the base model's {F(baseline.Rouge.RougeL.F1)}";
        string loraText = lora is null ? "" :
            $"LoRA (rank {config.LoraRank} on {config.TargetModules}) trains {lora.TrainableParameters:N0} parameters, {lora.TrainablePercent.ToString("0.##", CultureInfo.InvariantCulture)}% of all, "
            + $"and reaches ROUGE-L {F(lora.Rouge.RougeL.F1)}";
        if (full is not null && lora is not null)
        {
            double fullGain = full.Rouge.RougeL.F1 - baseline.Rouge.RougeL.F1, loraGain = lora.Rouge.RougeL.F1 - baseline.Rouge.RougeL.F1;
            string share = fullGain > 0
                ? $": {Math.Round(100 * loraGain / fullGain).ToString("0", CultureInfo.InvariantCulture)}% of full fine-tuning's gain, {NumberFormat.Percent(lora.Rouge.RougeL.F1 / full.Rouge.RougeL.F1)} of its score"
                : ", while full fine-tuning did not improve on the base";
            return $"{loraText}, against {F(full.Rouge.RougeL.F1)} for full fine-tuning of all {full.TrainableParameters:N0} and {baseText}{share}.";
        }
        if (lora is not null) return $"{loraText}, against {baseText}.";
        return $"Full fine-tuning of all {full!.TrainableParameters:N0} parameters reaches ROUGE-L {F(full.Rouge.RougeL.F1)}, against {baseText}.";
    }

    private static string F(double value) => NumberFormat.Significant(value);
}
