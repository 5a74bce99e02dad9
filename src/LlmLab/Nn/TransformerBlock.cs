using LlmLab.Autograd;
using LlmLab.Backends;
using LlmLab.Random;
using LlmLab.Tensors;

namespace LlmLab.Nn;

/// <summary>Pre-norm transformer block: x + attn(norm1(x)), then + mlp(norm2(x)) (GPT-2, Llama).</summary>
public sealed class TransformerBlock : Module
{
    public TransformerBlock(IBackend backend, Models.GptConfig config, RandomStream init)
    {
        float projectionStd = 0.02f / MathF.Sqrt(2 * config.Layers);
        Norm1 = Child("ln_1", new Norm(backend, config.Width, config.Norm, config.Bias, config.NormEpsilon));
        Attention = Child("attn", new MultiHeadAttention(backend, config.Width, config.Heads, config.KvHeads, config.Bias,
            config.Positions == Models.PositionKind.Rotary, config.RopeTheta, init, projectionStd));
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
