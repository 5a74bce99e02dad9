using LlmLab.Autograd;
using LlmLab.Backends;
using LlmLab.Random;
using LlmLab.Tensors;

namespace LlmLab.Nn;

/// <summary>y = x Wᵀ + b with W stored [out, in] (PyTorch's nn.Linear), initialised N(0, std) and b = 0 (GPT-2).</summary>
public sealed class Linear : Module
{
    public Linear(IBackend backend, int inFeatures, int outFeatures, bool bias, RandomStream init, float std = 0.02f)
    {
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        Weight = Parameter("weight", Tensor.From(backend, init.Normal((long)outFeatures * inFeatures, std), outFeatures, inFeatures));
        Bias = bias ? Parameter("bias", Tensor.Zeros(backend, new Shape(outFeatures))) : null;
    }

    public int InFeatures { get; }
    public int OutFeatures { get; }
    public Variable Weight { get; }
    public Variable? Bias { get; }

    public Variable Forward(Tape tape, Variable x) => tape.MatMul(x, Weight, transposeB: true, bias: Bias);
}
