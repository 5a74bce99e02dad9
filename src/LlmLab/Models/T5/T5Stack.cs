using LlmLab.Autograd;
using LlmLab.Backends;
using LlmLab.Nn;
using LlmLab.Random;
using LlmLab.Tensors;

namespace LlmLab.Models;

/// <summary>
/// T5's encoder or decoder (transformers' T5Stack): blocks "block.{i}" and "final_layer_norm". The token embedding
/// is the model's shared table, so the stack holds none. Block 0's relative_attention_bias makes the position bias
/// once and every block of the stack adds that same bias.
/// </summary>
public sealed class T5Stack : Module
{
    public T5Stack(IBackend backend, T5Config config, bool decoder, ulong seed)
    {
        IsDecoder = decoder;
        string stack = decoder ? "decoder" : "encoder";
        Blocks = Enumerable.Range(0, decoder ? config.DecoderLayers : config.EncoderLayers)
            .Select(i => Child($"block.{i}", new T5Block(backend, config, decoder, relativeBias: i == 0, new RandomStream(seed, $"init.{stack}.block.{i}"))))
            .ToArray();
        FinalNorm = Child("final_layer_norm", new Norm(backend, config.Width, NormKind.RmsNorm, bias: false, config.NormEpsilon));
    }

    public bool IsDecoder { get; }
    public IReadOnlyList<T5Block> Blocks { get; }
    public Norm FinalNorm { get; }

    /// <summary>
    /// The encoder over embeddings [B, T, d_model], padded keys hidden where <paramref name="padding"/> (i32 [B, T])
    /// is 0: the final-normed hidden states [B, T, d_model].
    /// </summary>
    public Variable Encode(Tape tape, Variable embeddings, Tensor? padding)
    {
        if (IsDecoder) throw new InvalidOperationException("this stack is T5's decoder");
        int time = embeddings.Shape[1];
        var bias = Blocks[0].SelfAttention.Layer.PositionBias(tape, time, time);
        var x = embeddings;
        foreach (var block in Blocks) x = block.Forward(tape, x, bias, padding);
        return FinalNorm.Forward(tape, x);
    }

    /// <summary>
    /// The decoder over embeddings [B, T, d_model] of the decoder's inputs, attending to
    /// <paramref name="encoderStates"/> [B, S, d_model] (padded positions hidden by <paramref name="encoderPadding"/>).
    /// With a <paramref name="cache"/> (generation) the inputs are the positions after those it holds, and the cache's
    /// cross-attention keys and values are used instead of recomputing them from the encoder states. Prefixes set on
    /// the blocks' attention layers (<see cref="T5Attention.Prefix"/>) shift the tokens' positions by their length.
    /// </summary>
    public Variable Decode(Tape tape, Variable embeddings, Variable? encoderStates, Tensor? encoderPadding, T5DecoderCache? cache = null)
    {
        if (!IsDecoder) throw new InvalidOperationException("this stack is T5's encoder");
        // Positions count from the past: the cache's, or a prefix's n keys (prefix tuning) ahead of the tokens.
        int time = embeddings.Shape[1], offset = (cache?.Length ?? 0) + (Blocks[0].SelfAttention.Layer.Prefix?.Key.Shape[2] ?? 0);
        var bias = Blocks[0].SelfAttention.Layer.PositionBias(tape, time, offset + time, offset);
        var x = embeddings;
        for (int i = 0; i < Blocks.Count; i++)
        {
            var block = Blocks[i];
            var crossKv = cache?.CrossAttention[i]
                          ?? block.CrossAttention!.Layer.KeysAndValues(tape, encoderStates ?? throw new ArgumentException("the decoder needs the encoder's output"));
            x = block.Forward(tape, x, bias, padding: null, cache?.SelfAttention[i], crossKv, encoderPadding);
        }
        return FinalNorm.Forward(tape, x);
    }
}
