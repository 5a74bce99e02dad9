using LlmLab.Autograd;
using LlmLab.Backends;
using LlmLab.Models;
using LlmLab.Models.HuggingFace;
using LlmLab.Nn;
using LlmLab.Prompting;
using LlmLab.Random;
using LlmLab.Tensors;

namespace LlmLab.Peft;

/// <summary>
/// Prefix tuning (Li and Liang 2021; peft's PeftModel with a PrefixTuningConfig) of a decoder-only model (LlmLab's
/// GPT, GPT-2, Llama), BERT or T5: the frozen model ("base_model") reads, in every layer's self-attention, n learned
/// keys and values ahead of its own ("prompt_encoder", a <see cref="PrefixEncoder"/>), as transformers reads
/// past_key_values; in T5 that is every decoder layer, whose cross-attention reads the same prefix ahead of the
/// encoder's keys and values (peft's num_transformer_submodules 2), the encoder none. Every query sees the whole prefix (a decoder's causal mask applies among the tokens only); the
/// tokens' positions start at n, as transformers counts them after a past of n (n + T must fit the positions); the
/// attention mask gets n ones in front; the logits and labels cover the tokens only. peft's layout of a virtual
/// token's row of num_layers × 2 × token_dim: layer l's keys at (2l) × token_dim, its values at (2l + 1) × token_dim,
/// each heads × head_dim. With grouped key/value heads (Llama) token_dim is key/value heads × head_dim and
/// num_attention_heads the key/value heads, as peft sets them.
/// </summary>
public sealed class PrefixTuning : Module
{
    private readonly Embedding _words;
    private readonly Action<int, (Variable Key, Variable Value)?> _setPrefix;
    private readonly Func<Tape, Tensor, Tensor?, int, Tensor?, Variable> _forward;
    private readonly Action<int>? _setCrossAttentionPrefixOnly;

    private PrefixTuning(Module model, PrefixTuningConfig config, ulong seed)
    {
        config.Validate();
        Config = config;
        var d = Dimensions(model);
        (Family, TokenDim, NumAttentionHeads, NumLayers) = (d.Family, d.TokenDim, d.Heads, d.Layers);
        switch (model)
        {
            case Gpt gpt:
                _words = gpt.TokenEmbedding;
                _setPrefix = (l, prefix) => gpt.Blocks[l].Attention.Prefix = prefix;
                _forward = (tape, ids, mask, n, _) =>
                {
                    if (mask is not null && AttentionMask.Read(mask, ids.Shape, "prefix tuning").Contains(0))
                        throw new ArgumentException("prefix tuning: padded inputs (zeros in attention_mask) are not supported for decoders; run rows of different lengths separately");
                    return gpt.ForwardEmbeddings(tape, gpt.TokenEmbedding.Forward(tape, ids), pastLength: n);
                };
                break;
            case Bert bert:
                _words = bert.Embeddings.Word;
                _setPrefix = (l, prefix) => bert.Layers[l].Prefix = prefix;
                _forward = (tape, ids, mask, n, _) => bert.ForwardEmbeddings(tape, bert.Embeddings.Word.Forward(tape, ids), mask, pastLength: n);
                break;
            case T5 t5:
                // peft hands T5 each layer's prefix twice (num_transformer_submodules 2): transformers' decoder puts it
                // ahead of the self-attention's keys and values and ahead of the encoder's in the cross-attention.
                _words = t5.Shared;
                _setPrefix = (l, prefix) =>
                {
                    t5.Decoder.Blocks[l].SelfAttention.Layer.Prefix = prefix;
                    t5.Decoder.Blocks[l].CrossAttention!.Layer.Prefix = prefix;
                };
                _setCrossAttentionPrefixOnly = l => t5.Decoder.Blocks[l].SelfAttention.Layer.Prefix = null;
                _forward = (tape, ids, mask, _, decoder) => t5.Forward(tape, ids, mask,
                    decoder ?? throw new ArgumentException("prefix tuning: T5 needs decoder input ids (the start token, then the targets shifted right)"));
                break;
            default:
                throw new NotSupportedException($"prefix tuning: {model.GetType().Name} is not a GPT, BERT or T5");
        }
        EncoderHiddenSize = config.EncoderHiddenSize ?? TokenDim;
        foreach (var (_, p) in model.NamedParameters()) p.RequiresGrad = false;
        BaseModel = Child("base_model", model);
        Encoder = Child("prompt_encoder", new PrefixEncoder(_words.Weight.Backend, config.NumVirtualTokens, NumLayers * 2 * TokenDim, TokenDim,
            config.PrefixProjection ? EncoderHiddenSize : null, config.ZeroInit, new RandomStream(seed, "prefix_tuning")));
    }

    /// <summary>peft's task type family, token_dim, num_attention_heads and num_layers for a model.</summary>
    internal static (ModelFamily Family, int TokenDim, int Heads, int Layers) Dimensions(Module model) => model switch
    {
        Gpt gpt => (ModelFamily.DecoderOnly, gpt.Config.KvHeads * gpt.Blocks[0].Attention.HeadDim, gpt.Config.KvHeads, gpt.Config.Layers),
        Bert bert => (ModelFamily.EncoderOnly, bert.Config.Width, bert.Config.Heads, bert.Config.Layers),
        T5 t5 => (ModelFamily.EncoderDecoder, t5.Config.InnerWidth, t5.Config.Heads, t5.Config.DecoderLayers),
        _ => throw new NotSupportedException($"prefix tuning: only LlmLab's GPT (GPT-2, Llama), BERT and T5 are supported, not {model.GetType().Name}"),
    };

    public ModelFamily Family { get; }
    public PrefixTuningConfig Config { get; }
    public Module BaseModel { get; }
    public PrefixEncoder Encoder { get; }
    /// <summary>peft's token_dim: key/value heads × head size (the model's width without grouped heads).</summary>
    public int TokenDim { get; }
    /// <summary>peft's num_attention_heads: the key/value heads.</summary>
    public int NumAttentionHeads { get; }
    public int NumLayers { get; }
    public int EncoderHiddenSize { get; }
    public int VocabularySize => _words.Weight.Shape[0];

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

    public static PrefixTuning Apply(Bert bert, PrefixTuningConfig config, ulong seed) => new(bert, config, seed);

    public static PrefixTuning Apply(T5 t5, PrefixTuningConfig config, ulong seed) => new(t5, config, seed);

    /// <summary>The same for a Hugging Face model: GPT-2, Llama, BERT or T5.</summary>
    public static PrefixTuning Apply(HfModel model, PrefixTuningConfig config, ulong seed) => new(Modules(model), config, seed);

    internal static Module Modules(HfModel model) => model switch
    {
        DecoderModel decoder => decoder.Gpt,
        BertModel bert => bert.Bert,
        T5Model t5 => t5.T5,
        _ => throw new NotSupportedException($"prefix tuning: only decoder-only models, BERT and T5 are supported, not {model.Architecture}"),
    };

    /// <summary>
    /// Logits [B, T, V] for token ids [B, T] after the prefix (T5: [B, Td, V] for <paramref name="decoderInputIds"/>
    /// [B, Td], the encoder reading <paramref name="ids"/>). <paramref name="attentionMask"/> is the tokens' [B, T]
    /// mask (peft puts n ones in front); LlmLab's decoders take no padding, so for them it must be all ones.
    /// </summary>
    public Variable Forward(Tape tape, Tensor ids, Tensor? attentionMask = null, Tensor? decoderInputIds = null)
    {
        if (ids.Rank != 2) throw new ArgumentException($"prefix tuning: input ids must be [batch, time], got shape {ids.Shape}");
        using (Attach(tape, ids.Shape[0]))
            return _forward(tape, ids, attentionMask, Encoder.VirtualTokens, decoderInputIds);
    }

    /// <summary>
    /// Puts the prefix (computed on <paramref name="tape"/> for <paramref name="batch"/> rows) into every layer's
    /// attention until the result is disposed. With <paramref name="crossAttentionOnly"/> (T5 generation, whose
    /// self-attention caches hold the prefix: <see cref="Prefill"/>) only the decoder's cross-attention gets it.
    /// </summary>
    public IDisposable Attach(Tape tape, int batch, bool crossAttentionOnly = false)
    {
        if (crossAttentionOnly && _setCrossAttentionPrefixOnly is null) throw new InvalidOperationException("prefix tuning: only T5 has a cross-attention");
        int n = Encoder.VirtualTokens, heads = NumAttentionHeads, headDim = TokenDim / heads;
        // [n, L 2 C] as rows of C: row t × 2L + j is virtual token t's keys (j = 2l) or values (j = 2l + 1) of layer l.
        var rows = tape.Reshape(Encoder.Forward(tape), n * NumLayers * 2, TokenDim);
        Variable Part(int j)
        {
            var pick = tape.Keep(Tensor.From(tape.Backend, Enumerable.Range(0, batch).SelectMany(_ => Enumerable.Range(0, n).Select(t => t * NumLayers * 2 + j)).ToArray(), batch, n));
            return tape.Transpose(tape.Reshape(tape.Embedding(rows, pick), batch, n, heads, headDim), 1, 2);   // [B, H, n, D]
        }
        for (int l = 0; l < NumLayers; l++)
        {
            _setPrefix(l, (Part(2 * l), Part(2 * l + 1)));
            if (crossAttentionOnly) _setCrossAttentionPrefixOnly!(l);
        }
        return new Detach(this);
    }

    private sealed class Detach(PrefixTuning tuning) : IDisposable
    {
        public void Dispose()
        {
            for (int l = 0; l < tuning.NumLayers; l++) tuning._setPrefix(l, null);
        }
    }

    /// <summary>
    /// Writes the prefix's keys and values into empty KV caches (one per layer of a decoder, or of T5's decoder
    /// self-attention, batch rows alike), as transformers holds peft's prefix in past_key_values: a cached forward of
    /// the plain model then continues from position n, exactly as <see cref="Forward"/> sees the tokens (T5 also
    /// needs the prefix in its cross-attention: <see cref="Attach"/> with crossAttentionOnly).
    /// </summary>
    public void Prefill(IReadOnlyList<KvCache> caches)
    {
        if (Family == ModelFamily.EncoderOnly) throw new InvalidOperationException("prefix tuning: only a decoder generates with KV caches");
        if (caches.Count != NumLayers) throw new ArgumentException($"prefix tuning: {caches.Count} caches for {NumLayers} layers");
        int n = Encoder.VirtualTokens, headDim = TokenDim / NumAttentionHeads;
        var backend = Encoder.Embedding.Weight.Backend;
        using var tape = new Tape(backend, recordGradients: false);
        // [n, L, 2, kv heads, D]: virtual token t's keys (or values) of layer l for head h are one row of D.
        var table = Encoder.Forward(tape).Data;
        long row = (long)headDim * sizeof(float);
        foreach (var (cache, l) in caches.Select((c, l) => (c, l)))
        {
            if (cache.Length != 0 || cache.Keys.Shape[1] != NumAttentionHeads || cache.Keys.Shape[3] != headDim || cache.Capacity < n)
                throw new ArgumentException($"prefix tuning: layer {l}'s cache {cache.Keys.Shape} (holding {cache.Length}) cannot take a prefix of {n} positions");
            int batch = cache.Keys.Shape[0];
            for (int part = 0; part < 2; part++)
            {
                var target = part == 0 ? cache.Keys : cache.Values;
                for (int b = 0; b < batch; b++)
                    for (int h = 0; h < NumAttentionHeads; h++)
                        for (int t = 0; t < n; t++)
                        {
                            long source = ((((long)t * NumLayers + l) * 2 + part) * NumAttentionHeads + h) * row;
                            long destination = (((long)b * NumAttentionHeads + h) * cache.Capacity + t) * row;
                            backend.Copy(table.Storage, table.ByteOffset + source, target.Storage, target.ByteOffset + destination, row);
                        }
            }
            cache.Advance(n);
        }
    }

    /// <summary>The prefix as a <see cref="DecoderPrefix"/> for the prompting harness (decoders only).</summary>
    public DecoderPrefix ForHarness() => Family == ModelFamily.DecoderOnly
        ? new(Encoder.VirtualTokens, (tape, ids) => Forward(tape, ids), Prefill)
        : throw new NotSupportedException("prefix tuning: the prompting harness takes a prefix for decoder-only models only");

    /// <summary>Mean cross-entropy against the tokens' <paramref name="targets"/> ([B, T] or [B T], -100 ignored; T5: the decoder's).</summary>
    public Variable Loss(Tape tape, Tensor ids, Tensor targets, Tensor? attentionMask = null, Tensor? decoderInputIds = null)
    {
        var logits = Forward(tape, ids, attentionMask, decoderInputIds);
        return tape.CrossEntropy(tape.Reshape(logits, -1, VocabularySize), targets.Reshape(-1));
    }

    /// <summary>A prefix whose past keys and values are <paramref name="values"/> [n, L 2 C], as peft loads one (a table, no projection).</summary>
    internal static PrefixTuning FromTable(Module model, PrefixTuningConfig config, float[] values)
    {
        var tuning = new PrefixTuning(model, config with { PrefixProjection = false }, seed: 0);
        AdapterFolder.Assign(tuning.Encoder.Embedding.Weight, values);
        return tuning;
    }
}
