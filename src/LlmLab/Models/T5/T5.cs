using LlmLab.Autograd;
using LlmLab.Backends;
using LlmLab.Nn;
using LlmLab.Random;
using LlmLab.Tensors;

namespace LlmLab.Models;

/// <summary>
/// An encoder-decoder T5 (transformers' T5ForConditionalGeneration in LlmLab's modules, named as transformers names
/// them): a "shared" token embedding read by both stacks, an "encoder" and a "decoder" <see cref="T5Stack"/>, and a
/// head that is the shared table (tied) or "lm_head". The tied head multiplies the decoder output by d_model^-0.5
/// first when <see cref="T5Config.ScalesDecoderOutputs"/>. No dropout (LlmLab trains without it). Initialisation is
/// transformers' (factor 1): shared and lm_head N(0, 1), q N(0, (d_model d_kv)^-1/2), k and v N(0, d_model^-1/2),
/// o N(0, (H d_kv)^-1/2), wi N(0, d_model^-1/2), wo N(0, d_ff^-1/2), norms 1; each stack block draws from its own
/// named stream of the seed.
/// </summary>
public sealed class T5 : Module
{
    public T5(IBackend backend, T5Config config, ulong seed)
    {
        Backend = backend;
        Config = config.Validate();
        Shared = Child("shared", new Embedding(backend, config.VocabularySize, config.Width, new RandomStream(seed, "init.shared"), std: 1f));
        Encoder = Child("encoder", new T5Stack(backend, config, decoder: false, seed));
        Decoder = Child("decoder", new T5Stack(backend, config, decoder: true, seed));
        if (!config.TiedEmbeddings)
            Head = Child("lm_head", new Linear(backend, config.Width, config.VocabularySize, bias: false, new RandomStream(seed, "init.lm_head"), std: 1f));
    }

    public IBackend Backend { get; }
    public T5Config Config { get; }
    public Embedding Shared { get; }
    public T5Stack Encoder { get; }
    public T5Stack Decoder { get; }
    /// <summary>The untied head [vocabulary, d_model]; null when tied to <see cref="Shared"/>.</summary>
    public Linear? Head { get; }

    /// <summary>
    /// Logits [B, Td, V] of the decoder's inputs given the encoder's: <paramref name="inputIds"/> [B, Ts] (i32 or
    /// i64), <paramref name="attentionMask"/> [B, Ts] (non-zero = a real token, 0 = padding; null = no padding) and
    /// <paramref name="decoderInputIds"/> [B, Td] (the start token, then the targets shifted right).
    /// </summary>
    public Variable Forward(Tape tape, Tensor inputIds, Tensor? attentionMask, Tensor decoderInputIds)
    {
        var padding = AttentionMask.KeyPadding(tape, attentionMask, inputIds.Shape, "T5");
        var encoded = Encode(tape, inputIds, padding);
        return Decode(tape, decoderInputIds, encoded, padding);
    }

    /// <summary>
    /// Logits [B, Td, V] with the encoder fed embeddings [B, Ts, d_model] in place of the shared table's rows
    /// (transformers' inputs_embeds; <paramref name="attentionMask"/> is [B, Ts]): soft prompts enter here.
    /// </summary>
    public Variable ForwardEmbeddings(Tape tape, Variable inputsEmbeds, Tensor? attentionMask, Tensor decoderInputIds)
    {
        if (inputsEmbeds.Shape.Rank != 3 || inputsEmbeds.Shape[2] != Config.Width || inputsEmbeds.Shape[1] == 0)
            throw new ArgumentException($"T5 input embeddings must be [batch, time > 0, {Config.Width}], got shape {inputsEmbeds.Shape}");
        var padding = AttentionMask.KeyPadding(tape, attentionMask, new Shape(inputsEmbeds.Shape[0], inputsEmbeds.Shape[1]), "T5");
        return Decode(tape, decoderInputIds, Encoder.Encode(tape, inputsEmbeds, padding), padding);
    }

    /// <summary>The encoder's output [B, Ts, d_model]; <paramref name="padding"/> from <see cref="AttentionMask.KeyPadding"/>.</summary>
    public Variable Encode(Tape tape, Tensor inputIds, Tensor? padding)
    {
        RequireIds(inputIds, "input ids");
        return Encoder.Encode(tape, Shared.Forward(tape, inputIds), padding);
    }

    /// <summary>
    /// Logits [B, Td, V] from the decoder over <paramref name="encoderStates"/>. With a <paramref name="cache"/>
    /// (inference tapes only) the ids are the positions after those the cache holds.
    /// </summary>
    public Variable Decode(Tape tape, Tensor decoderInputIds, Variable? encoderStates, Tensor? encoderPadding, T5DecoderCache? cache = null)
    {
        RequireIds(decoderInputIds, "decoder input ids");
        var x = Decoder.Decode(tape, Shared.Forward(tape, decoderInputIds), encoderStates, encoderPadding, cache);
        if (Config.ScalesDecoderOutputs) x = tape.Scale(x, MathF.Pow(Config.Width, -0.5f));
        return Head is not null ? Head.Forward(tape, x) : Shared.Project(tape, x);
    }

    /// <summary>Mean cross-entropy of the logits against <paramref name="targets"/> ([B Td] or [B, Td]; -100 ignored).</summary>
    public Variable Loss(Tape tape, Tensor inputIds, Tensor? attentionMask, Tensor decoderInputIds, Tensor targets)
    {
        var logits = Forward(tape, inputIds, attentionMask, decoderInputIds);
        return tape.CrossEntropy(tape.Reshape(logits, -1, Config.VocabularySize), targets.Reshape(-1));
    }

    /// <summary>
    /// Caches for generating up to <paramref name="capacity"/> decoder positions over <paramref name="encoderStates"/>:
    /// every block's cross-attention keys and values are computed now, once.
    /// </summary>
    public T5DecoderCache NewDecoderCache(Variable encoderStates, int capacity)
    {
        int batch = encoderStates.Shape[0];
        var crossTape = new Tape(Backend, recordGradients: false);
        try
        {
            var cross = Decoder.Blocks.Select(b => b.CrossAttention!.Layer.KeysAndValues(crossTape, encoderStates)).ToArray();
            var self = Decoder.Blocks.Select(_ => new KvCache(Backend, batch, Config.Heads, capacity, Config.HeadDim)).ToArray();
            return new T5DecoderCache(crossTape, self, cross);
        }
        catch
        {
            crossTape.Dispose();
            throw;
        }
    }

    private static void RequireIds(Tensor ids, string what)
    {
        if (ids.Rank != 2) throw new ArgumentException($"T5 {what} must be [batch, time], got shape {ids.Shape}");
        if (ids.Shape[1] == 0) throw new ArgumentException($"T5 {what} need at least one position");
    }
}
