using LlmLab.Autograd;
using LlmLab.Backends;
using LlmLab.Random;

namespace LlmLab.Nn;

/// <summary>The feed-forward kinds: GELU (GPT-2: fc, gelu, proj) or SwiGLU (Llama: down(silu(gate x) * up x)).</summary>
public enum MlpKind
{
    Gelu,
    SwiGlu,
}

/// <summary>The transformer block's feed-forward network.</summary>
public sealed class Mlp : Module
{

    // projectionStd: the output projection's std (GPT-2 scales it by 1/sqrt(2 layers)).
    public Mlp(IBackend backend, int dim, int hidden, MlpKind kind, bool bias, RandomStream init, float projectionStd)
    {
        Kind = kind;
        if (kind == MlpKind.SwiGlu)
        {
            Gate = Child("gate_proj", new Linear(backend, dim, hidden, bias, init));
            In = Child("up_proj", new Linear(backend, dim, hidden, bias, init));
            Out = Child("down_proj", new Linear(backend, hidden, dim, bias, init, projectionStd));
        }
        else
        {
            In = Child("c_fc", new Linear(backend, dim, hidden, bias, init));
            Out = Child("c_proj", new Linear(backend, hidden, dim, bias, init, projectionStd));
        }
    }

    public MlpKind Kind { get; }
    /// <summary>c_fc (GELU) or up_proj (SwiGLU).</summary>
    public Linear In { get; }
    /// <summary>c_proj (GELU) or down_proj (SwiGLU).</summary>
    public Linear Out { get; }
    /// <summary>gate_proj (SwiGLU only).</summary>
    public Linear? Gate { get; }

    public Variable Forward(Tape tape, Variable x) => Kind == MlpKind.SwiGlu
        ? Out.Forward(tape, tape.Mul(tape.Silu(Gate!.Forward(tape, x)), In.Forward(tape, x)))
        : Out.Forward(tape, tape.Gelu(In.Forward(tape, x)));
}
