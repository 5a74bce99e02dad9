using LlmLab.Autograd;
using LlmLab.Backends;
using LlmLab.Random;
using LlmLab.Tensors;

namespace LlmLab.Nn;

/// <summary>
/// Pre-norm transformer block: x + attn(norm1(x)), then + mlp(norm2(x)) (GPT-2, Llama). With bottleneck adapters
/// attached ("attn_adapter", "mlp_adapter"), each sublayer's output passes through its adapter before the residual add.
/// </summary>
public sealed class TransformerBlock : Module, IAdapterBlock
{
    public TransformerBlock(IBackend backend, TransformerBlockOptions config, RandomStream init)
    {
        float projectionStd = config.ProjectionStd;
        Norm1 = Child("ln_1", new Norm(backend, config.Width, config.Norm, config.Bias, config.NormEpsilon));
        Attention = Child("attn", new MultiHeadAttention(backend, config.Width, config.Heads, config.KeyValueHeads, config.Bias,
            config.Rotary, config.RopeTheta, init, projectionStd));
        Norm2 = Child("ln_2", new Norm(backend, config.Width, config.Norm, config.Bias, config.NormEpsilon));
        Mlp = Child("mlp", new Mlp(backend, config.Width, config.MlpHidden, config.Mlp, config.Bias, init, projectionStd));
    }

    public Norm Norm1 { get; }
    public MultiHeadAttention Attention { get; }
    public Norm Norm2 { get; }
    public Mlp Mlp { get; }
    /// <summary>The bottleneck adapter after the attention's output projection; null without adapters.</summary>
    public Bottleneck? AttentionAdapter { get; private set; }
    /// <summary>The bottleneck adapter after the MLP; null without adapters.</summary>
    public Bottleneck? MlpAdapter { get; private set; }

    /// <summary>Adds Houlsby's two adapters (after attention and after the MLP), each of <paramref name="bottleneck"/> hidden units.</summary>
    public void AttachAdapters(int bottleneck, BottleneckActivation activation, RandomStream init)
    {
        if (AttentionAdapter is not null) throw new InvalidOperationException("this block already has bottleneck adapters");
        var backend = Attention.Output.Weight.Backend;
        int width = Attention.Output.OutFeatures;
        AttentionAdapter = Child("attn_adapter", new Bottleneck(backend, width, bottleneck, activation, init));
        MlpAdapter = Child("mlp_adapter", new Bottleneck(backend, width, bottleneck, activation, init));
    }

    public Variable Forward(Tape tape, Variable x, Tensor positions, KvCache? cache = null)
    {
        var attention = Attention.Forward(tape, Norm1.Forward(tape, x), positions, cache);
        x = tape.Add(x, AttentionAdapter?.Forward(tape, attention) ?? attention);
        var mlp = Mlp.Forward(tape, Norm2.Forward(tape, x));
        return tape.Add(x, MlpAdapter?.Forward(tape, mlp) ?? mlp);
    }
}
