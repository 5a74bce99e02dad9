using LlmLab.Autograd;
using LlmLab.Backends;
using LlmLab.Models;
using LlmLab.Nn;
using LlmLab.Tokenizers;
using LlmLab.Training;

namespace LlmLab.Experiments;

/// <summary>
/// One architecture family with its pre-training objective, ready to train: the model, its loss, its batches from
/// the shared token stream, and what a step costs. <see cref="ComputeWeights"/> is the weights a token passes
/// through (non-embedding parameters plus the output projection, which a tied head does not count as a parameter
/// but still multiplies); a step's FLOPs are 6 x those weights x the tokens through them (Kaplan et al.'s 6N a
/// token, attention's own FLOPs left out as 6ND leaves them out), which for the T5 counts the encoder's and the
/// decoder's tokens apart.
/// </summary>
public sealed record ObjectiveFamily(
    string Name, string Objective, string Stage, Module Model, Func<Tape, TrainingBatch, Variable> Loss,
    IBatchSource Train, IBatchSource Validation, long NonEmbeddingParameters, long ComputeWeights, double FlopsPerStep)
{
    public const string Gpt = "GPT", Bert = "BERT", T5 = "T5";

    /// <summary>A decoder by causal LM: random windows of the stream, every next token predicted.</summary>
    public static ObjectiveFamily CausalLm(IBackend backend, PretrainingObjectivesConfig config, ITokenizer tokenizer, int[] train, int[] validation, ulong seed)
    {
        var gpt = new Models.Gpt(backend, new GptConfig
        {
            VocabularySize = tokenizer.VocabularySize, Context = config.Context, Layers = config.Layers, Heads = config.Heads, Width = config.Width,
        }, seed);
        long nonEmbedding = gpt.ParameterCount() - gpt.TokenEmbedding.ParameterCount() - (gpt.PositionEmbedding?.ParameterCount() ?? 0);
        long weights = nonEmbedding + (gpt.Head is null ? (long)config.Width * tokenizer.VocabularySize : 0);
        return new(Gpt, "causal LM", "gpt", gpt, (tape, b) => gpt.Loss(tape, b.Inputs, b.Targets),
            new CausalLmBatches(train, config.Context, config.BatchSize, seed),
            new CausalLmBatches(validation, config.Context, config.BatchSize, seed, "validation"),
            nonEmbedding, weights, 6.0 * weights * config.BatchSize * config.Context);
    }

    /// <summary>An encoder by masked LM (BERT's 80/10/10 of the chosen tokens): the stream cut into windows, every window's chosen tokens predicted.</summary>
    public static ObjectiveFamily MaskedLm(IBackend backend, PretrainingObjectivesConfig config, ITokenizer tokenizer, int[] train, int[] validation, ulong seed)
    {
        var special = tokenizer.SpecialTokens;
        var bert = new Models.Bert(backend, new BertConfig
        {
            VocabularySize = tokenizer.VocabularySize, Width = config.Width, Layers = config.Layers, Heads = config.Heads,
            IntermediateSize = 4 * config.Width, MaxPositions = config.Context, PadTokenId = special.Pad,
        }, seed);
        long nonEmbedding = bert.ParameterCount() - bert.Embeddings.ParameterCount();
        long weights = nonEmbedding + (bert.Head.Decoder is null ? (long)config.Width * tokenizer.VocabularySize : 0);
        return new(Bert, "masked LM", "bert", bert, (tape, b) => bert.Loss(tape, b.Inputs, b.Targets, b.AttentionMask),
            new MaskedLmBatches(Windows(train, config.Context), special, config.Context, config.BatchSize, seed, maskProbability: (float)config.MaskProbability),
            new MaskedLmBatches(Windows(validation, config.Context), special, config.Context, config.BatchSize, seed, "validation", (float)config.MaskProbability),
            nonEmbedding, weights, 6.0 * weights * config.BatchSize * config.Context);
    }

    /// <summary>
    /// An encoder-decoder by span corruption (noise in spans, T5's 15% in spans of 3 by default): half the layers in each
    /// stack, and a feed-forward width of 3 x the model's, so that its two stacks hold what the others' one does.
    /// </summary>
    public static ObjectiveFamily SpanCorruption(IBackend backend, PretrainingObjectivesConfig config, ITokenizer tokenizer, int[] train, int[] validation, ulong seed)
    {
        var special = tokenizer.SpecialTokens;
        int pad = special.Pad ?? throw new ExperimentConfigException("span corruption needs a tokenizer with a PAD token");
        var t5 = new Models.T5(backend, new T5Config
        {
            VocabularySize = tokenizer.VocabularySize, Width = config.Width, HeadDim = config.Width / config.Heads, Heads = config.Heads,
            FeedForwardWidth = 3 * config.Width, EncoderLayers = config.Layers / 2, DecoderLayers = config.Layers / 2,
        }, seed);
        if (config.T5LocalityPrior != 0) t5.Encoder.Blocks[0].SelfAttention.Layer.AddLocalityPrior((float)config.T5LocalityPrior);
        long encoder = t5.Encoder.ParameterCount(), decoder = t5.Decoder.ParameterCount();
        long head = t5.Head is null ? (long)config.Width * tokenizer.VocabularySize : 0;
        var (noise, spans) = Training.SpanCorruption.NoiseLengths(config.Context, config.NoiseDensity, config.MeanSpanLength);
        // Full windows: the encoder reads the kept tokens, a sentinel a span and EOS; the decoder writes the spans the same way.
        int inputTokens = config.Context - noise + spans + 1, targetTokens = noise + spans + 1;
        SpanCorruptionBatches Batches(int[] tokens, string stream) =>
            new([tokens], config.Context, config.BatchSize, tokenizer.VocabularySize, pad, decoderStartId: pad, special.Eos, seed, config.NoiseDensity, config.MeanSpanLength, stream);
        return new(T5, "span corruption", "t5", t5, (tape, b) => t5.Loss(tape, b.Inputs, b.AttentionMask, b.DecoderInputs!, b.Targets),
            Batches(train, "train"), Batches(validation, "validation"), encoder + decoder, encoder + decoder + head,
            6.0 * config.BatchSize * (encoder * inputTokens + (decoder + head) * targetTokens));
    }

    /// <summary>The tokens cut into consecutive windows of <paramref name="length"/> (a short last one left out).</summary>
    private static IEnumerable<int[]> Windows(int[] tokens, int length)
    {
        for (int start = 0; start + length <= tokens.Length; start += length) yield return tokens[start..(start + length)];
    }
}
