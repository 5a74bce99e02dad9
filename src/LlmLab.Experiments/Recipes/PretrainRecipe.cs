using LlmLab.Data;
using LlmLab.Models;
using LlmLab.Tokenizers;
using LlmLab.Training;

namespace LlmLab.Experiments;

/// <summary>
/// The pretrain recipe: corpus, tokenizer (characters, or BPE learned from the training documents), GPT,
/// <see cref="Trainer"/> (checkpoints in the run folder, so an interrupted run resumes), then the model saved to
/// model/ (or &lt;stage&gt;-model/) and two report tables: the model, and its losses beside a bigram model of the
/// same tokens and a uniform guess.
/// </summary>
public static class PretrainRecipe
{
    public static void Run(PretrainConfig config, ExperimentContext context) => Pretrain(config, context);

    /// <summary>
    /// Trains and returns the model. <paramref name="stage"/> names this training in metric names, checkpoint and
    /// model folders and table titles, so several stages can share one run.
    /// </summary>
    public static TinyGpt Pretrain(PretrainConfig config, ExperimentContext context, string stage = "pretrain")
    {
        ulong seed = context.Seed;
        string trainText = Corpus(seed, config.Documents, 0, config.LabelledText);
        string validationText = Corpus(seed, Math.Max(2, config.Documents / 10), 1_000_000_000, config.LabelledText);
        var tokenizer = CorpusTokenizer.Build(config.Tokenizer, config.VocabularySize, trainText, Path.Combine(context.RunFolder, $"{stage}-tokenizer"));
        int[] trainTokens = tokenizer.Encode(trainText), validationTokens = tokenizer.Encode(validationText);
        string unit = CorpusTokenizer.Unit(tokenizer);
        if (config.Tokenizer == TokenizerKind.Bpe)
            context.Log($"{stage}: BPE vocabulary of {tokenizer.VocabularySize} tokens; {trainText.Length:N0} training characters are {trainTokens.Length:N0} tokens ({(double)trainText.Length / trainTokens.Length:F2} characters a token)");

        var gptConfig = new GptConfig
        {
            VocabularySize = tokenizer.VocabularySize, Context = config.Context, Layers = config.Layers, Heads = config.Heads,
            Width = config.Width, Positions = config.Positions, Norm = config.Norm, Mlp = config.Mlp,
        };
        var gpt = new Gpt(context.Backend, gptConfig, seed);
        var options = new TrainingOptions
        {
            Steps = config.Steps, GradientAccumulation = config.GradientAccumulation, LearningRate = (float)config.LearningRate,
            MinLearningRate = (float)Math.Min(config.MinLearningRate, config.LearningRate), WarmupSteps = Math.Min(config.WarmupSteps, config.Steps),
            WeightDecay = (float)config.WeightDecay, MaxGradientNorm = (float)config.MaxGradientNorm,
            EvaluationInterval = config.EvaluationInterval, EvaluationBatches = config.EvaluationBatches,
            CheckpointInterval = config.CheckpointInterval > 0 ? config.CheckpointInterval : Math.Max(1, config.Steps / 4),
            LogInterval = Math.Max(1, config.Steps / 20),
        };
        var train = new CausalLmBatches(trainTokens, config.Context, config.BatchSize, seed);
        var validation = new CausalLmBatches(validationTokens, config.Context, config.BatchSize, seed, "validation");
        var result = TrainingStage.Run(context, stage, gpt, (tape, b) => gpt.Loss(tape, b.Inputs, b.Targets), options, train, validation);

        var model = new TinyGpt(gpt, tokenizer);
        string folder = Path.Combine(context.RunFolder, stage == "pretrain" ? "model" : $"{stage}-model");
        model.Save(folder);
        context.Log($"{stage}: model saved to {folder}");
        double charactersPerToken = (double)validationText.Length / validationTokens.Length;
        context.Table($"{stage}: model",
            ["parameters", "layers", "heads", "width", "context", "vocabulary", "training tokens", "characters a token"],
            [[gpt.ParameterCount(), config.Layers, config.Heads, config.Width, config.Context, tokenizer.VocabularySize, trainTokens.Length, charactersPerToken]],
            $"A {config.Layers}-layer GPT of {gpt.ParameterCount():N0} parameters over {tokenizer.VocabularySize} {unit}, a context of {config.Context} "
            + (tokenizer is CharTokenizer ? "characters." : $"tokens (about {config.Context * charactersPerToken:N0} characters)."));

        double uniform = Math.Log(tokenizer.VocabularySize);
        double bigram = BigramBaseline.CrossEntropy(trainTokens, validationTokens, tokenizer.VocabularySize);
        double bigramTrain = BigramBaseline.CrossEntropy(trainTokens, trainTokens, tokenizer.VocabularySize);
        float? before = result.FirstValidationLoss, after = result.LastValidationLoss;
        // With characters a token is a character: one loss column each; with BPE also the validation loss per character.
        bool characters = tokenizer is CharTokenizer;
        IReadOnlyList<object?> Row(string name, double? train, double? validation) =>
            characters ? [name, train, validation] : [name, train, validation, validation / charactersPerToken];
        context.Table($"{stage}: losses",
            characters ? ["", "train (nats/char)", "validation (nats/char)"] : ["", "train (nats/token)", "validation (nats/token)", "validation (nats/char)"],
            [Row("untrained", uniform, before), Row("trained", result.LastLoss, after), Row("bigram model (counts)", bigramTrain, bigram)],
            LossSentence(config.Steps, before, after, bigram, uniform, tokenizer.VocabularySize, unit, charactersPerToken));
        if (after is { } loss)
        {
            context.Summary($"{stage} validation loss", loss);
            context.Summary($"{stage} bigram loss", bigram);
        }
        return model;
    }

    /// <summary>Documents start .. start + count - 1 joined by blank lines: the synthetic corpus, with the given
    /// share of them labelled task text (<see cref="LabelledText"/>) in their place.</summary>
    public static string Corpus(ulong seed, int count, long start, double labelledShare) =>
        string.Join("\n\n", Enumerable.Range(0, count).Select(i => start + i).Select(i =>
            LabelledText.IsLabelled(seed, i, labelledShare) ? LabelledText.Document(seed, i) : PretrainingCorpus.Document(seed, i)));

    private static string? LossSentence(int steps, float? before, float? after, double bigram, double uniform, int vocabulary, string unit, double charactersPerToken)
    {
        if (before is not { } b || after is not { } a) return null;
        string per = unit == "characters" ? "character" : "token";
        string perCharacter = unit == "characters" ? "" : FormattableString.Invariant($" ({a / charactersPerToken:F3} nats per character)");
        string against = a < bigram
            ? FormattableString.Invariant($"{(bigram - a) / bigram * 100:F0}% below a bigram model of the same {unit} ({bigram:F3}), so the network uses more than the previous {per}")
            : FormattableString.Invariant($"not below a bigram model of the same {unit} ({bigram:F3}): it has learned little beyond pairs of {unit}");
        return FormattableString.Invariant($"{steps} steps took the validation loss from {b:F3} to {a:F3} nats per {per}{perCharacter}, {(b - a) / b * 100:F1}% lower and ")
            + against + FormattableString.Invariant($"; a uniform guess over the {vocabulary} {unit} costs {uniform:F3}.");
    }
}
