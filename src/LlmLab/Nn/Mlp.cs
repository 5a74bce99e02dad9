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
    private readonly Linear _in, _out;
    private readonly Linear? _gate;

    // projectionStd: the output projection's std (GPT-2 scales it by 1/sqrt(2 layers)).
    public Mlp(IBackend backend, int dim, int hidden, MlpKind kind, bool bias, RandomStream init, float projectionStd)
    {
        Kind = kind;
        if (kind == MlpKind.SwiGlu)
        {
            _gate = Child("gate_proj", new Linear(backend, dim, hidden, bias, init));
            _in = Child("up_proj", new Linear(backend, dim, hidden, bias, init));
            _out = Child("down_proj", new Linear(backend, hidden, dim, bias, init, projectionStd));
        }
        else
        {
            _in = Child("c_fc", new Linear(backend, dim, hidden, bias, init));
            _out = Child("c_proj", new Linear(backend, hidden, dim, bias, init, projectionStd));
        }
    }

    public MlpKind Kind { get; }

    public Variable Forward(Tape tape, Variable x) => Kind == MlpKind.SwiGlu
        ? _out.Forward(tape, tape.Mul(tape.Silu(_gate!.Forward(tape, x)), _in.Forward(tape, x)))
        : _out.Forward(tape, tape.Gelu(_in.Forward(tape, x)));
}
