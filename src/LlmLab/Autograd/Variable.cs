using LlmLab.Tensors;

namespace LlmLab.Autograd;

/// <summary>
/// A tensor on a <see cref="Tape"/> with, after <see cref="Tape.Backward"/>, the gradient of the loss with respect to
/// it. Parameters are variables the caller owns (their <see cref="Grad"/> too, cleared with <see cref="ZeroGrad"/>);
/// every other variable is an intermediate the tape owns and frees with itself.
/// </summary>
public sealed class Variable
{
    internal Variable(Tensor data, bool requiresGrad, string? name = null)
    {
        Data = data;
        RequiresGrad = requiresGrad;
        Name = name;
    }

    /// <summary>A trainable tensor the caller owns, kept across tapes (its gradient accumulates over them).</summary>
    public static Variable Parameter(Tensor data, string name) => new(data, requiresGrad: true, name);

    public Tensor Data { get; }
    public Tensor? Grad { get; internal set; }
    /// <summary>Whether backward computes this variable's gradient; set it false to freeze a parameter.</summary>
    public bool RequiresGrad { get; set; }
    public string? Name { get; }
    public Shape Shape => Data.Shape;

    /// <summary>Frees the gradient so the next backward pass starts from zero.</summary>
    public void ZeroGrad()
    {
        Grad?.Dispose();
        Grad = null;
    }

    public override string ToString() => $"Variable({Name ?? "intermediate"} {Data.DType.Name()} {Shape}{(RequiresGrad ? ", requires grad" : "")})";
}
