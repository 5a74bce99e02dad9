using LlmLab.Backends;
using LlmLab.Tensors;

namespace LlmLab.Autograd;

/// <summary>
/// A tensor on a <see cref="Tape"/> with, after <see cref="Tape.Backward"/>, the gradient of the loss with respect to
/// it. Parameters are variables the caller owns (their <see cref="Grad"/> too, cleared with <see cref="ZeroGrad"/>);
/// every other variable is an intermediate the tape owns and frees with itself. A parameter may be deferred: its
/// tensor is made when <see cref="Data"/> is first read (a model built to be filled from a checkpoint, or the f32
/// view of a weight stored quantised), so until then it holds no memory.
/// </summary>
public sealed class Variable
{
    private Tensor? _data;
    private Func<Tensor>? _source;

    internal Variable(Tensor data, bool requiresGrad, string? name = null)
    {
        _data = data;
        Backend = data.Backend;
        Shape = data.Shape;
        RequiresGrad = requiresGrad;
        Name = name;
    }

    private Variable(IBackend backend, Shape shape, Func<Tensor> source, string name)
    {
        _source = source;
        Backend = backend;
        Shape = shape;
        RequiresGrad = true;
        Name = name;
    }

    /// <summary>A trainable tensor the caller owns, kept across tapes (its gradient accumulates over them).</summary>
    public static Variable Parameter(Tensor data, string name) => new(data, requiresGrad: true, name);

    /// <summary>
    /// A trainable parameter of <paramref name="shape"/> whose f32 tensor <paramref name="source"/> makes on the first
    /// read of <see cref="Data"/>, which keeps it from then on.
    /// </summary>
    public static Variable DeferredParameter(IBackend backend, Shape shape, string name, Func<Tensor> source) =>
        new(backend, shape, source, name);

    /// <summary>The tensor; a deferred parameter makes it now and keeps it (see <see cref="ToArray{T}"/> to only read).</summary>
    public Tensor Data => _data ?? Materialize();

    public IBackend Backend { get; }
    public Shape Shape { get; }
    /// <summary>Whether <see cref="Data"/> holds a tensor now: false for a deferred parameter not read yet.</summary>
    public bool IsMaterialized => _data is not null;
    public Tensor? Grad { get; internal set; }
    /// <summary>Whether backward computes this variable's gradient; set it false to freeze a parameter.</summary>
    public bool RequiresGrad { get; set; }
    public string? Name { get; }

    /// <summary>
    /// The values on the host. A deferred parameter's tensor is made for the read and freed after it, so exporting a
    /// model does not leave f32 copies of its quantised weights behind.
    /// </summary>
    public T[] ToArray<T>() where T : unmanaged
    {
        if (_data is not null) return _data.ToArray<T>();
        using var made = Make();
        return made.ToArray<T>();
    }

    /// <summary>
    /// Frees the tensor: from now on <see cref="Data"/> comes from <paramref name="source"/> on its next read (a weight
    /// now stored quantised, whose f32 values are its dequantised ones).
    /// </summary>
    internal void Defer(Func<Tensor> source)
    {
        _data?.Dispose();
        _data = null;
        _source = source;
    }

    /// <summary>Frees the gradient so the next backward pass starts from zero.</summary>
    public void ZeroGrad()
    {
        Grad?.Dispose();
        Grad = null;
    }

    private Tensor Materialize()
    {
        _data = Make();
        _source = null;
        return _data;
    }

    private Tensor Make()
    {
        var made = _source!();
        if (made.Shape != Shape || made.DType != DType.F32 || !ReferenceEquals(made.Backend, Backend))
        {
            made.Dispose();
            throw new InvalidOperationException($"parameter '{Name}' was deferred as f32 {Shape} on {Backend.Name}, but its source made {made}");
        }
        return made;
    }

    public override string ToString() =>
        $"Variable({Name ?? "intermediate"} {(IsMaterialized ? _data!.DType.Name() : "deferred")} {Shape}{(RequiresGrad ? ", requires grad" : "")})";
}
