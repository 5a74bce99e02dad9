using LlmLab.Data;
using LlmLab.Models;
using LlmLab.Tokenizers;
using LlmLab.Training;

namespace LlmLab.Experiments;

/// <summary>
/// The pretrain recipe: corpus, character tokenizer, GPT, <see cref="Trainer"/> (checkpoints in the run folder, so
/// an interrupted run resumes), then the model saved to model/ (or &lt;stage&gt;-model/) and two report tables.
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
        string trainText = string.Join("\n\n", PretrainingCorpus.Generate(seed, config.Documents));
        string validationText = string.Join("\n\n", PretrainingCorpus.Generate(seed, Math.Max(2, config.Documents / 10), start: 1_000_000_000));
        var tokenizer = CharTokenizer.Build(trainText);
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
        var train = new CausalLmBatches(tokenizer.Encode(trainText), config.Context, config.BatchSize, seed);
        var validation = new CausalLmBatches(tokenizer.Encode(validationText), config.Context, config.BatchSize, seed, "validation");
        var result = TrainingStage.Run(context, stage, gpt, (tape, b) => gpt.Loss(tape, b.Inputs, b.Targets), options, train, validation);

        var model = new TinyGpt(gpt, tokenizer);
        string folder = Path.Combine(context.RunFolder, stage == "pretrain" ? "model" : $"{stage}-model");
        model.Save(folder);
        context.Log($"{stage}: model saved to {folder}");
        context.Table($"{stage}: model",
            ["parameters", "layers", "heads", "width", "context", "vocabulary", "training characters"],
            [[gpt.ParameterCount(), config.Layers, config.Heads, config.Width, config.Context, tokenizer.VocabularySize, trainText.Length]],
            $"A {config.Layers}-layer GPT of {gpt.ParameterCount():N0} parameters over {tokenizer.VocabularySize} characters.");
        float? before = result.FirstValidationLoss, after = result.LastValidationLoss;
        context.Table($"{stage}: losses (nats per character)",
            ["", "train", "validation"],
            [["untrained", Math.Log(tokenizer.VocabularySize), before], ["trained", result.LastLoss, after]],
            before is { } b && after is { } a
                ? FormattableString.Invariant($"{config.Steps} steps took the validation loss from {b:F3} to {a:F3} nats per character ({(b - a) / b * 100:F1}% lower); a uniform guess over the {tokenizer.VocabularySize} characters costs {Math.Log(tokenizer.VocabularySize):F3}.")
                : null);
        if (result.LastValidationLoss is { } loss) context.Summary($"{stage} validation loss", loss);
        return model;
    }
}
