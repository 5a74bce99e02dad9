using LlmLab.Autograd;
using LlmLab.Backends;
using LlmLab.Random;

namespace LlmLab.Nn;

/// <summary>The activation between a bottleneck adapter's down and up projections (AdapterHub's non_linearity).</summary>
public enum BottleneckActivation
{
    /// <summary>"swish": x sigmoid(x), AdapterHub's default for Houlsby adapters.</summary>
    Swish,
    /// <summary>"relu".</summary>
    Relu,
    /// <summary>"gelu" (the erf form, torch's nn.GELU).</summary>
    Gelu,
}

/// <summary>
/// A bottleneck adapter (Houlsby et al. 2019): h + up(act(down(h))), down [C to m] ("adapter_down"), up [m to C]
/// ("adapter_up"), both with biases. Initialised as AdapterHub's "bert" init: weights N(0, 0.02), biases 0, so it
/// starts near the identity.
/// </summary>
public sealed class Bottleneck : Module
{
    public Bottleneck(IBackend backend, int width, int bottleneck, BottleneckActivation activation, RandomStream init)
    {
        if (bottleneck < 1) throw new ArgumentException($"a bottleneck adapter needs at least 1 hidden unit, got {bottleneck}");
        Activation = activation;
        Down = Child("adapter_down", new Linear(backend, width, bottleneck, bias: true, init));
        Up = Child("adapter_up", new Linear(backend, bottleneck, width, bias: true, init));
    }

    public BottleneckActivation Activation { get; }
    public Linear Down { get; }
    public Linear Up { get; }

    public Variable Forward(Tape tape, Variable h)
    {
        var down = Down.Forward(tape, h);
        var inner = Activation switch
        {
            BottleneckActivation.Relu => tape.Relu(down),
            BottleneckActivation.Gelu => tape.GeluErf(down),
            _ => tape.Silu(down),
        };
        return tape.Add(h, Up.Forward(tape, inner));
    }
}
