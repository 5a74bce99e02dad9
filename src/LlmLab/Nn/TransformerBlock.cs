using LlmLab.Autograd;
using LlmLab.Backends;
using LlmLab.Random;
using LlmLab.Tensors;

namespace LlmLab.Nn;

/// <summary>Pre-norm transformer block: x + attn(norm1(x)), then + mlp(norm2(x)) (GPT-2, Llama).</summary>
public sealed class TransformerBlock : Module
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

    public Variable Forward(Tape tape, Variable x, Tensor positions, KvCache? cache = null)
    {
        x = tape.Add(x, Attention.Forward(tape, Norm1.Forward(tape, x), positions, cache));
        return tape.Add(x, Mlp.Forward(tape, Norm2.Forward(tape, x)));
    }
}
