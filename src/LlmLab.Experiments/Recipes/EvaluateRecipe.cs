using LlmLab.Generation;

namespace LlmLab.Experiments;

/// <summary>What <see cref="EvaluateRecipe.Evaluate"/> measured: the held-out score and the greedy continuation (cut at its document end).</summary>
public sealed record EvaluationResult(HeldOutScore Score, string Sample);

/// <summary>
/// The evaluate recipe: a model (loaded or pre-trained here) scored on every context window of held-out corpus
/// documents, and a greedy sample. Report: loss, perplexity and bits per character beside a uniform guess over the
/// vocabulary, and the sample.
/// </summary>
public static class EvaluateRecipe
{
    /// <summary>Context windows a forward pass (the pretrain recipe's batch).</summary>
    public const int BatchSize = 12;

    public static void Run(EvaluateConfig config, ExperimentContext context) =>
        Evaluate(ModelSource.Obtain(context, config.BaseModel, config.PretrainSteps, config.Tokenizer, config.VocabularySize,
            checkpointInterval: config.CheckpointInterval), config, context);

    /// <summary>The evaluation of <paramref name="model"/> as it is (f32 or quantised), recorded as two tables titled "evaluate: ...".</summary>
    public static EvaluationResult Evaluate(TinyGpt model, EvaluateConfig config, ExperimentContext context)
    {
        int[] prompt = GeneratedText.Encode(model, config.SamplePrompt, nameof(EvaluateConfig.SamplePrompt));
        string text = HeldOutText.Documents(context.Seed, config.Documents);
        var score = HeldOutScore.Measure(model, text, BatchSize, maxBatches: 0, context.Cancellation);
        string unit = CorpusTokenizer.Unit(model.Tokenizer);
        context.Log($"evaluate: {score.Tokens:N0} held-out {unit} ({score.Characters:N0} characters), loss {NumberFormat.Significant(score.Loss)}, perplexity {NumberFormat.Significant(score.Perplexity)}");

        int vocabulary = model.Model.Config.VocabularySize;
        var uniform = score with { Loss = Math.Log(vocabulary) };
        context.Table("evaluate: held-out text",
            ["model", "tokens", "characters", "loss (nats/token)", "perplexity", "loss (nats/char)", "bits per character"],
            [Row("model", score), Row($"uniform guess over {vocabulary} tokens", uniform)],
            $"On {score.Characters:N0} held-out characters ({config.Documents} documents, {score.Tokens:N0} {unit}) the model needs {NumberFormat.Significant(score.BitsPerCharacter)} "
            + $"bits per character (perplexity {NumberFormat.Significant(score.Perplexity)} a token), against {NumberFormat.Significant(uniform.BitsPerCharacter)} "
            + $"for a uniform guess over its {vocabulary} tokens.");

        var options = new GenerationOptions { MaxNewTokens = config.SampleLength };
        string raw = GeneratedText.Continue(model, prompt, 1, options, context, "greedy")[0];
        string sample = GeneratedText.UpToDocumentEnd(raw);
        bool ended = raw.Contains(GeneratedText.DocumentBreak, StringComparison.Ordinal);
        context.Table("evaluate: greedy sample",
            ["prompt", "continuation"],
            [[GeneratedText.ForTable(config.SamplePrompt, 40), GeneratedText.ForTable(sample, 240)]],
            ended ? $"Greedy decoding wrote {sample.Length} characters, then a blank line (the corpus's document break)."
                  : $"Greedy decoding wrote {sample.Length} characters without reaching a blank line (the corpus's document break).");

        context.Summary("held-out loss", score.Loss);
        context.Summary("held-out perplexity", score.Perplexity);
        context.Summary("bits per character", score.BitsPerCharacter);
        return new EvaluationResult(score, sample);
    }

    private static IReadOnlyList<object?> Row(string model, HeldOutScore score) =>
        [model, score.Tokens, score.Characters, score.Loss, score.Perplexity, score.LossPerCharacter, score.BitsPerCharacter];
}
