using LlmLab.Autograd;
using LlmLab.Backends;
using LlmLab.Tensors;

namespace LlmLab.Nn;

/// <summary>Which normalisation a model uses: LayerNorm (GPT-2, BERT) or RmsNorm (Llama, T5).</summary>
public enum NormKind
{
    LayerNorm,
    RmsNorm,
}

/// <summary>LayerNorm (weight 1, bias 0 at first; bias optional) or RmsNorm (weight only) over the last axis.</summary>
public sealed class Norm : Module
{
    public Norm(IBackend backend, int dim, NormKind kind, bool bias = true, float epsilon = 1e-5f)
    {
        Kind = kind;
        Epsilon = epsilon;
        Weight = Parameter("weight", Tensor.From(backend, Enumerable.Repeat(1f, dim).ToArray(), dim));
        Bias = kind == NormKind.LayerNorm && bias ? Parameter("bias", Tensor.Zeros(backend, new Shape(dim))) : null;
    }

    public NormKind Kind { get; }
    public float Epsilon { get; }
    public Variable Weight { get; }
    public Variable? Bias { get; }

    public Variable Forward(Tape tape, Variable x) => Kind == NormKind.LayerNorm
        ? tape.LayerNorm(x, Weight, Bias, Epsilon)
        : tape.RmsNorm(x, Weight, Epsilon);
}
