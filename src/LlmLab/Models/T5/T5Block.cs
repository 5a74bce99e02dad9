using LlmLab.Autograd;
using LlmLab.Backends;
using LlmLab.Nn;
using LlmLab.Random;
using LlmLab.Tensors;

namespace LlmLab.Models;

/// <summary>
/// A T5 block, pre-norm with residuals: x + SelfAttention(norm x), in the decoder then x + EncDecAttention(norm x,
/// encoder output), then x + DenseReluDense(norm x). Sub-layers are "layer.0", "layer.1" (and "layer.2" in the
/// decoder), as transformers names them. Houlsby's bottleneck adapters ("attn_adapter", "mlp_adapter") when attached
/// go on the self-attention's and the feed-forward's outputs before their residual adds (the cross-attention gets
/// none, as AdapterHub's default for T5).
/// </summary>
public sealed class T5Block : Module, IAdapterBlock
{
    public T5Block(IBackend backend, T5Config config, bool decoder, bool relativeBias, RandomStream init)
    {
        Norm NewNorm() => new(backend, config.Width, NormKind.RmsNorm, bias: false, config.NormEpsilon);
        SelfAttention = Child("layer.0", new T5Sublayer<T5Attention>("SelfAttention",
            new T5Attention(backend, config, relativeBias, bidirectional: !decoder, init), NewNorm()));
        if (decoder)
            CrossAttention = Child("layer.1", new T5Sublayer<T5Attention>("EncDecAttention",
                new T5Attention(backend, config, relativeBias: false, bidirectional: false, init), NewNorm()));
        FeedForward = Child(decoder ? "layer.2" : "layer.1", new T5Sublayer<T5FeedForward>("DenseReluDense",
            new T5FeedForward(backend, config, init), NewNorm()));
    }

    public T5Sublayer<T5Attention> SelfAttention { get; }
    /// <summary>The decoder's attention over the encoder output; null in the encoder.</summary>
    public T5Sublayer<T5Attention>? CrossAttention { get; }
    public T5Sublayer<T5FeedForward> FeedForward { get; }
    /// <summary>The bottleneck adapter after the self-attention; null without adapters.</summary>
    public Bottleneck? AttentionAdapter { get; private set; }
    /// <summary>The bottleneck adapter after the feed-forward network; null without adapters.</summary>
    public Bottleneck? MlpAdapter { get; private set; }

    public void AttachAdapters(int bottleneck, BottleneckActivation activation, RandomStream init)
    {
        if (AttentionAdapter is not null) throw new InvalidOperationException("this block already has bottleneck adapters");
        var output = SelfAttention.Layer.Output;
        var backend = output.Weight.Backend;
        AttentionAdapter = Child("attn_adapter", new Bottleneck(backend, output.OutFeatures, bottleneck, activation, init));
        MlpAdapter = Child("mlp_adapter", new Bottleneck(backend, output.OutFeatures, bottleneck, activation, init));
    }

    /// <summary>
    /// x [B, T, d_model]. <paramref name="positionBias"/> [H, Tq, Tk] is the stack's shared relative bias;
    /// <paramref name="padding"/> (encoder) hides padded keys of x. In the decoder the self-attention is causal
    /// (through <paramref name="cache"/> when generating) and <paramref name="encoderKeysAndValues"/> are this block's
    /// cross-attention keys and values, with <paramref name="encoderPadding"/> hiding padded encoder positions.
    /// </summary>
    public Variable Forward(Tape tape, Variable x, Variable positionBias, Tensor? padding, KvCache? cache = null,
        (Variable Key, Variable Value)? encoderKeysAndValues = null, Tensor? encoderPadding = null)
    {
        bool decoder = CrossAttention is not null;
        var attention = SelfAttention.Layer;
        var normed = SelfAttention.LayerNorm.Forward(tape, x);
        var attended = attention.Forward(tape, normed, attention.KeysAndValues(tape, normed), positionBias, causal: decoder, padding, cache);
        x = tape.Add(x, AttentionAdapter?.Forward(tape, attended) ?? attended);
        if (CrossAttention is not null)
        {
            var kv = encoderKeysAndValues ?? throw new ArgumentException("the decoder's cross-attention needs the encoder's keys and values");
            normed = CrossAttention.LayerNorm.Forward(tape, x);
            x = tape.Add(x, CrossAttention.Layer.Forward(tape, normed, kv, bias: null, causal: false, encoderPadding));
        }
        var fed = FeedForward.Layer.Forward(tape, FeedForward.LayerNorm.Forward(tape, x));
        return tape.Add(x, MlpAdapter?.Forward(tape, fed) ?? fed);
    }
}
