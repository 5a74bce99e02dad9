using LlmLab.Autograd;
using LlmLab.Models;
using LlmLab.Models.HuggingFace;
using LlmLab.Nn;
using LlmLab.Random;
using LlmLab.Tensors;

namespace LlmLab.Peft;

/// <summary>
/// Prefix tuning (Li and Liang 2021; peft's PeftModel with a PrefixTuningConfig) of a decoder-only model (LlmLab's
/// GPT, GPT-2, Llama): the frozen model ("base_model") reads, in every layer's attention, n learned keys and values
/// ahead of its own ("prompt_encoder", a <see cref="PrefixEncoder"/>), as transformers reads past_key_values. Every
/// query sees the whole prefix; the tokens' positions start at n, as transformers counts them after a past of n
/// (n + T must fit the context); the logits and labels cover the tokens only. peft's layout of a virtual token's
/// row of num_layers × 2 × token_dim: layer l's keys at (2l) × token_dim, its values at (2l + 1) × token_dim, each
/// heads × head_dim. With grouped key/value heads (Llama) token_dim is key/value heads × head_dim and
/// num_attention_heads the key/value heads, as peft sets them.
/// </summary>
public sealed class PrefixTuning : Module
{
    private readonly Gpt _gpt;

    private PrefixTuning(Gpt gpt, PrefixTuningConfig config, ulong seed)
    {
        config.Validate();
        _gpt = gpt;
        Config = config;
        NumAttentionHeads = gpt.Config.KvHeads;
        TokenDim = NumAttentionHeads * gpt.Blocks[0].Attention.HeadDim;
        NumLayers = gpt.Config.Layers;
        EncoderHiddenSize = config.EncoderHiddenSize ?? TokenDim;
        foreach (var (_, p) in gpt.NamedParameters()) p.RequiresGrad = false;
        BaseModel = Child("base_model", gpt);
        Encoder = Child("prompt_encoder", new PrefixEncoder(gpt.Backend, config.NumVirtualTokens, NumLayers * 2 * TokenDim, TokenDim,
            config.PrefixProjection ? EncoderHiddenSize : null, config.ZeroInit, new RandomStream(seed, "prefix_tuning")));
    }

    public ModelFamily Family => ModelFamily.DecoderOnly;
    public PrefixTuningConfig Config { get; }
    public Module BaseModel { get; }
    public PrefixEncoder Encoder { get; }
    /// <summary>peft's token_dim: key/value heads × head size (the model's width without grouped heads).</summary>
    public int TokenDim { get; }
    /// <summary>peft's num_attention_heads: the key/value heads.</summary>
    public int NumAttentionHeads { get; }
    public int NumLayers { get; }
    public int EncoderHiddenSize { get; }
    public int VocabularySize => _gpt.Config.VocabularySize;

    /// <summary>
    /// What prefix tuning trains, as peft counts it: n L 2 C without a projection; with one (hidden width h)
    /// n C + C h + h + h L 2 C + L 2 C. C is token_dim.
    /// </summary>
    public static long TrainableParameterCount(int virtualTokens, int layers, int tokenDim, int? encoderHiddenSize = null)
    {
        long output = (long)layers * 2 * tokenDim;
        if (encoderHiddenSize is not int h) return virtualTokens * output;
        return (long)virtualTokens * tokenDim + (long)tokenDim * h + h + h * output + output;
    }

    /// <summary>Freezes <paramref name="gpt"/> and gives every layer a learned prefix; draws come from the stream "prefix_tuning" of <paramref name="seed"/>.</summary>
    public static PrefixTuning Apply(Gpt gpt, PrefixTuningConfig config, ulong seed) => new(gpt, config, seed);

    /// <summary>The same for a Hugging Face decoder-only model (GPT-2, Llama).</summary>
    public static PrefixTuning Apply(HfModel model, PrefixTuningConfig config, ulong seed) => new(Decoder(model), config, seed);

    internal static Gpt Decoder(HfModel model) => model is DecoderModel decoder
        ? decoder.Gpt
        : throw new NotSupportedException($"prefix tuning: only decoder-only models are supported so far, not {model.Architecture}");

    internal static Gpt Decoder(Module model) => model as Gpt
        ?? throw new NotSupportedException($"prefix tuning: only decoder-only models (LlmLab's GPT) are supported so far, not {model.GetType().Name}");

    /// <summary>
    /// Logits [B, T, V] for token ids [B, T] after the prefix. <paramref name="attentionMask"/>, if given, must be all
    /// ones (LlmLab's decoders take no padding); peft puts n ones in front of it.
    /// </summary>
    public Variable Forward(Tape tape, Tensor ids, Tensor? attentionMask = null)
    {
        if (ids.Rank != 2) throw new ArgumentException($"prefix tuning: input ids must be [batch, time], got shape {ids.Shape}");
        if (attentionMask is not null && AttentionMask.Read(attentionMask, ids.Shape, "prefix tuning").Contains(0))
            throw new ArgumentException("prefix tuning: padded inputs (zeros in attention_mask) are not supported; run rows of different lengths separately");
        int batch = ids.Shape[0], n = Encoder.VirtualTokens, heads = NumAttentionHeads, headDim = TokenDim / heads;
        // [n, L 2 C] as rows of C: row t × 2L + j is virtual token t's keys (j = 2l) or values (j = 2l + 1) of layer l.
        var rows = tape.Reshape(Encoder.Forward(tape), n * NumLayers * 2, TokenDim);
        Variable Part(int j)
        {
            var pick = tape.Keep(Tensor.From(tape.Backend, Enumerable.Range(0, batch).SelectMany(_ => Enumerable.Range(0, n).Select(t => t * NumLayers * 2 + j)).ToArray(), batch, n));
            return tape.Transpose(tape.Reshape(tape.Embedding(rows, pick), batch, n, heads, headDim), 1, 2);   // [B, H, n, D]
        }
        var blocks = _gpt.Blocks;
        try
        {
            for (int l = 0; l < blocks.Count; l++) blocks[l].Attention.Prefix = (Part(2 * l), Part(2 * l + 1));
            return _gpt.ForwardEmbeddings(tape, _gpt.TokenEmbedding.Forward(tape, ids), pastLength: n);
        }
        finally
        {
            foreach (var block in blocks) block.Attention.Prefix = null;
        }
    }

    /// <summary>Mean cross-entropy against the tokens' <paramref name="targets"/> ([B, T] or [B T], -100 ignored).</summary>
    public Variable Loss(Tape tape, Tensor ids, Tensor targets, Tensor? attentionMask = null)
    {
        var logits = Forward(tape, ids, attentionMask);
        return tape.CrossEntropy(tape.Reshape(logits, -1, VocabularySize), targets.Reshape(-1));
    }

    /// <summary>A prefix whose past keys and values are <paramref name="values"/> [n, L 2 C], as peft loads one (a table, no projection).</summary>
    internal static PrefixTuning FromTable(Gpt gpt, PrefixTuningConfig config, float[] values)
    {
        var tuning = new PrefixTuning(gpt, config with { PrefixProjection = false }, seed: 0);
        AdapterFolder.Assign(tuning.Encoder.Embedding.Weight, values);
        return tuning;
    }
}
