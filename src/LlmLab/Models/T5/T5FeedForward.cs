using LlmLab.Autograd;
using LlmLab.Backends;
using LlmLab.Nn;
using LlmLab.Random;

namespace LlmLab.Models;

/// <summary>
/// T5's feed-forward network (transformers' DenseReluDense): wo(act(wi x)), or gated (T5 1.1, FLAN-T5)
/// wo(act(wi_0 x) * wi_1 x); every projection bias-free.
/// </summary>
public sealed class T5FeedForward : Module
{
    public T5FeedForward(IBackend backend, T5Config config, RandomStream init)
    {
        Activation = config.Activation;
        int width = config.Width, hidden = config.FeedForwardWidth;
        float inStd = MathF.Pow(width, -0.5f), outStd = MathF.Pow(hidden, -0.5f);
        if (config.Gated)
        {
            Gate = Child("wi_0", new Linear(backend, width, hidden, bias: false, init, inStd));
            In = Child("wi_1", new Linear(backend, width, hidden, bias: false, init, inStd));
        }
        else
        {
            In = Child("wi", new Linear(backend, width, hidden, bias: false, init, inStd));
        }
        Out = Child("wo", new Linear(backend, hidden, width, bias: false, init, outStd));
    }

    public T5Activation Activation { get; }
    /// <summary>wi (plain) or wi_1 (gated: the linear half).</summary>
    public Linear In { get; }
    /// <summary>wi_0 (gated only: the half that goes through the activation).</summary>
    public Linear? Gate { get; }
    /// <summary>wo.</summary>
    public Linear Out { get; }

    public Variable Forward(Tape tape, Variable x)
    {
        var hidden = Gate is null
            ? Activate(tape, In.Forward(tape, x))
            : tape.Mul(Activate(tape, Gate.Forward(tape, x)), In.Forward(tape, x));
        return Out.Forward(tape, hidden);
    }

    private Variable Activate(Tape tape, Variable x) => Activation switch
    {
        T5Activation.Relu => tape.Relu(x),
        T5Activation.GeluTanh => tape.Gelu(x),
        T5Activation.GeluErf => tape.GeluErf(x),
        _ => tape.Silu(x),
    };
}
