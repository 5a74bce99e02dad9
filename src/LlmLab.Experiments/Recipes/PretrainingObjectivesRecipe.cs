using System.Diagnostics;
using LlmLab.Data;
using LlmLab.Evaluation;
using LlmLab.Generation;
using LlmLab.Models;
using LlmLab.Tokenizers;
using LlmLab.Training;

namespace LlmLab.Experiments;

/// <summary>What one family measured: pre-training, then each test it can take (null where it cannot).</summary>
public sealed record ObjectiveResult(ObjectiveFamily Family, int Steps, TrainingResult Pretraining, TimeSpan Time)
{
    /// <summary>Mean loss on each continuation window's second half (nats a token).</summary>
    public double[]? Continuation { get; set; }
    /// <summary>1 where the family named the hidden word, else 0.</summary>
    public double[]? Cloze { get; set; }
    public ObjectiveSummaries? Summaries { get; set; }

    public double Flops => Steps * Family.FlopsPerStep;
}

/// <summary>
/// What no pre-training reaches for free: a bigram model of counts on the held-out tokens (continuation) and always
/// naming the training text's most frequent word (cloze).
/// </summary>
public sealed record ObjectiveBaselines(double BigramLoss, string FrequentWord, double[] FrequentWordCloze);

/// <summary>A fine-tuned family's test summaries, their ROUGE and the facts they state.</summary>
public sealed record ObjectiveSummaries(string[] Texts, RougeScores[] Scores, SummaryFaithfulness Faithfulness, TimeSpan Time)
{
    public RougeScores Mean => Rouge.Mean(Scores);
}

/// <summary>
/// The pretraining-objectives recipe: one corpus and one BPE vocabulary (with &lt;mask&gt; and T5's sentinels); a
/// GPT by causal LM, a BERT by masked LM and a T5 by span corruption at matched parameters and compute
/// (<see cref="ObjectiveFamily"/>); then continuation (<see cref="ContinuationTest"/>) and cloze
/// (<see cref="ClozeTest"/>) on held-out text, and the GPT and the T5 fine-tuned alike to summarise dialogues and
/// scored with ROUGE. Every training is a stage with its own checkpoints, so an interrupted run resumes.
/// </summary>
public static class PretrainingObjectivesRecipe
{
    private const int EvaluationBatch = 16;
    private const long ValidationStart = 1_000_000_000, TestStart = 2_000_000_000;

    public static void Run(PretrainingObjectivesConfig config, ExperimentContext context)
    {
        if (config.Layers % 2 != 0) throw new ExperimentConfigException($"Layers: the T5 splits them between its encoder and decoder, so they must be even, got {config.Layers}");
        if (config.Width % config.Heads != 0) throw new ExperimentConfigException($"Width: {config.Width} does not divide into {config.Heads} heads");
        ulong seed = context.Seed;
        string trainText = PretrainRecipe.Corpus(seed, config.Documents, 0, 0);
        int sentinels = Math.Max(1, SpanCorruption.NoiseLengths(config.Context, config.NoiseDensity, config.MeanSpanLength).NoiseSpans);
        var tokenizer = CorpusTokenizer.Build(TokenizerKind.Bpe, config.VocabularySize, trainText, Path.Combine(context.RunFolder, "tokenizer"), sentinels);
        int[] train = tokenizer.Encode(trainText);
        int[] validation = tokenizer.Encode(PretrainRecipe.Corpus(seed, Math.Max(2, config.Documents / 10), ValidationStart, 0));
        int[] test = tokenizer.Encode(PretrainRecipe.Corpus(seed, config.TestDocuments, TestStart, 0));
        context.Log($"objectives: {tokenizer.VocabularySize} BPE tokens with <mask> and {sentinels} sentinels; {train.Length:N0} training tokens, {test.Length:N0} test tokens");

        ObjectiveFamily[] families =
        [
            ObjectiveFamily.CausalLm(context.Backend, config, tokenizer, train, validation, seed),
            ObjectiveFamily.MaskedLm(context.Backend, config, tokenizer, train, validation, seed),
            ObjectiveFamily.SpanCorruption(context.Backend, config, tokenizer, train, validation, seed),
        ];
        // The GPT's steps set the budget; the others spend the same FLOPs.
        double budget = config.Steps * families[0].FlopsPerStep;
        var results = families.Select(f => Pretrain(context, config, f, Math.Max(1, (int)Math.Round(budget / f.FlopsPerStep)))).ToArray();
        var (gpt, bert, t5) = (results[0], results[1], results[2]);
        var (gptModel, bertModel, t5Model) = ((Gpt)gpt.Family.Model, (Bert)bert.Family.Model, (T5)t5.Family.Model);

        var special = tokenizer.SpecialTokens;
        int length = config.Context, half = config.Context / 2;
        var cancellation = context.Cancellation;
        gpt.Continuation = ContinuationTest.Gpt(gptModel, test, length, config.ContinuationWindows, EvaluationBatch, cancellation);
        t5.Continuation = ContinuationTest.T5(t5Model, special, test, length, config.ContinuationWindows, EvaluationBatch, cancellation);
        var items = ClozeTest.Items(tokenizer, test, half, config.ClozeItems);
        if (items.Length == 0) throw new ExperimentConfigException($"TestDocuments: {config.TestDocuments} held-out documents hold no whole-word token with {half} tokens on each side");
        gpt.Cloze = ClozeTest.Accuracy(test, items, ClozeTest.Gpt(gptModel, special, test, items, half, EvaluationBatch, cancellation));
        bert.Cloze = ClozeTest.Accuracy(test, items, ClozeTest.Bert(bertModel, special, test, items, half, EvaluationBatch, cancellation));
        t5.Cloze = ClozeTest.Accuracy(test, items, ClozeTest.T5(t5Model, special, test, items, half, EvaluationBatch, cancellation));
        int frequent = ClozeTest.MostFrequentWord(tokenizer, train);
        var baselines = new ObjectiveBaselines(BigramBaseline.CrossEntropy(train, test, tokenizer.VocabularySize), tokenizer.Decode([frequent]).Trim(),
            ClozeTest.Accuracy(test, items, [.. items.Select(_ => frequent)]));
        foreach (var r in results)
            context.Log(FormattableString.Invariant($"{r.Family.Stage}: cloze {r.Cloze!.Average():F3}") + (r.Continuation is { } c ? FormattableString.Invariant($", continuation {c.Average():F3} nats a token") : ""));

        var data = SummaryData.Create(tokenizer, config.Context, config.TrainExamples, config.TestExamples, seed);
        context.Log($"summaries: {data.Train.Count} training dialogues fit the GPT's context ({data.TrainSkipped} left out), {data.Test.Count} test dialogues ({data.TestSkipped} left out)");
        gpt.Summaries = SummariseWithGpt(context, config, gptModel, tokenizer, data);
        t5.Summaries = SummariseWithT5(context, config, t5Model, tokenizer, data);
        PretrainingObjectivesReport.Write(context, config, results, baselines, data.Test);
    }

    private static ObjectiveResult Pretrain(ExperimentContext context, PretrainingObjectivesConfig config, ObjectiveFamily family, int steps)
    {
        context.Log(FormattableString.Invariant($"{family.Stage}: {family.Name} by {family.Objective}, {family.Model.ParameterCount():N0} parameters, {steps} steps of {family.FlopsPerStep:E2} FLOPs"));
        var options = new TrainingOptions
        {
            Steps = steps, LearningRate = (float)config.LearningRate, MinLearningRate = (float)config.LearningRate / 10,
            WarmupSteps = Math.Max(1, (int)Math.Round(config.WarmupShare * steps)), WeightDecay = 0.1f, MaxGradientNorm = 1,
            EvaluationInterval = Math.Max(1, steps / config.EvaluationPoints), EvaluationBatches = config.EvaluationBatches,
            CheckpointInterval = Math.Max(1, steps / 4), LogInterval = Math.Max(1, steps / 10),
        };
        var clock = Stopwatch.StartNew();
        var result = TrainingStage.Run(context, family.Stage, family.Model, family.Loss, options, family.Train, family.Validation);
        return new ObjectiveResult(family, steps, result, clock.Elapsed);
    }

    /// <summary>Training options of both fine-tunings: the same steps, batch and schedule.</summary>
    private static TrainingOptions FinetuneOptions(PretrainingObjectivesConfig config) => new()
    {
        Steps = config.FinetuneSteps, LearningRate = (float)config.FinetuneLearningRate, MinLearningRate = (float)config.FinetuneLearningRate / 10,
        WarmupSteps = Math.Min(50, Math.Max(1, config.FinetuneSteps / 5)), WeightDecay = 0, MaxGradientNorm = 1, EvaluationInterval = 0,
        CheckpointInterval = Math.Max(1, config.FinetuneSteps / 4), LogInterval = Math.Max(1, config.FinetuneSteps / 10),
    };

    private static ObjectiveSummaries SummariseWithGpt(ExperimentContext context, PretrainingObjectivesConfig config, Gpt gpt, ITokenizer tokenizer, SummaryData data)
    {
        var clock = Stopwatch.StartNew();
        int pad = tokenizer.SpecialTokens.Pad!.Value;
        var batches = new PromptCompletionBatches(data.Train.Select(e => e.Pair), config.Context, config.FinetuneBatchSize, pad, context.Seed);
        TrainingStage.Run(context, "gpt-summarise", gpt, (tape, b) => gpt.Loss(tape, b.Inputs, b.Targets), FinetuneOptions(config), batches, null);
        var options = new GenerationOptions { MaxNewTokens = config.MaxNewTokens, StopTokens = FinetuneRecipe.LineBreakTokens(tokenizer), Seed = context.Seed };
        return Summarise(context, "gpt-summarise", data, clock, e => tokenizer.Decode(Generator.Generate(gpt, [e.Pair.Prompt], options)[0]));
    }

    private static ObjectiveSummaries SummariseWithT5(ExperimentContext context, PretrainingObjectivesConfig config, T5 t5, ITokenizer tokenizer, SummaryData data)
    {
        var clock = Stopwatch.StartNew();
        var special = tokenizer.SpecialTokens;
        int pad = special.Pad!.Value, eos = special.Eos!.Value;
        var batches = new Seq2SeqBatches(data.Train.Select(e => (e.Pair.Prompt, e.Target)), config.FinetuneBatchSize, pad, pad, eos, context.Seed);
        TrainingStage.Run(context, "t5-summarise", t5, (tape, b) => t5.Loss(tape, b.Inputs, b.AttentionMask, b.DecoderInputs!, b.Targets), FinetuneOptions(config), batches, null);
        var options = new GenerationOptions { MaxNewTokens = config.MaxNewTokens, Seed = context.Seed };
        int[] stop = [eos, .. FinetuneRecipe.LineBreakTokens(tokenizer)];
        return Summarise(context, "t5-summarise", data, clock, e =>
            tokenizer.Decode(T5Generator.Generate(t5, [.. e.Pair.Prompt, eos], options, startToken: pad, stop).AsSpan(1)));
    }

    // Each test dialogue summarised greedily, cut at its line, and scored against the reference.
    private static ObjectiveSummaries Summarise(ExperimentContext context, string stage, SummaryData data, Stopwatch clock, Func<SummaryExample, string> generate)
    {
        var texts = new string[data.Test.Count];
        var scores = new RougeScores[texts.Length];
        var faithfulness = SummaryFaithfulness.None;
        using var progress = context.Progress($"{stage}: summarising", texts.Length);
        for (int i = 0; i < texts.Length; i++)
        {
            context.Cancellation.ThrowIfCancellationRequested();
            var example = data.Test[i];
            string text = generate(example);
            int end = text.IndexOf('\n');
            texts[i] = (end < 0 ? text : text[..end]).Trim();
            scores[i] = Rouge.Score(texts[i], example.Example.Summary);
            faithfulness += SummaryFaithfulness.Of(texts[i], example.Example);
            progress.Increment();
        }
        var result = new ObjectiveSummaries(texts, scores, faithfulness, clock.Elapsed);
        context.Log(FormattableString.Invariant($"{stage}: ROUGE-1 {result.Mean.Rouge1.F1:F3}, ROUGE-2 {result.Mean.Rouge2.F1:F3}, ROUGE-L {result.Mean.RougeL.F1:F3}"));
        return result;
    }
}
