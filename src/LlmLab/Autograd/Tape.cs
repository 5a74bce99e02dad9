using LlmLab.Backends;
using LlmLab.Tensors;

namespace LlmLab.Autograd;

/// <summary>
/// Reverse-mode automatic differentiation: each op runs its forward kernel at once and records how to send the
/// output's gradient to its inputs; <see cref="Backward"/> replays those rules newest first. A tape is used for one
/// forward and backward pass, then disposed (freeing every intermediate it made). Ops live in the partial files
/// beside this one, one op family each, forward and backward side by side.
/// </summary>
public sealed partial class Tape(IBackend backend, bool recordGradients = true) : IDisposable
{
    private readonly List<Action> _backward = [];
    private readonly List<Tensor> _owned = [];
    private readonly List<Variable> _intermediates = [];
    private bool _backwardDone;

    public IBackend Backend { get; } = backend;

    /// <summary>False for inference (generation, evaluation): ops run and free their outputs, nothing is recorded.</summary>
    public bool RecordsGradients { get; } = recordGradients;

    /// <summary>A variable for a tensor the caller owns: trainable parameters get gradients, constants do not.</summary>
    public Variable Leaf(Tensor data, string? name = null, bool requiresGrad = true)
    {
        Check.SameBackend(Backend, data);
        return new Variable(data, requiresGrad, name);
    }

    /// <summary>A tensor with no gradient (inputs, targets, masks).</summary>
    public Variable Constant(Tensor data) => Leaf(data, requiresGrad: false);

    /// <summary>
    /// Hands a tensor made for this pass (positions, masks) to the tape, which frees it with itself: backward
    /// rules may still read it after the forward code is done.
    /// </summary>
    public Tensor Keep(Tensor tensor)
    {
        _owned.Add(tensor);
        return tensor;
    }

    /// <summary>
    /// Runs the recorded rules newest first from d loss / d loss = 1. The loss must hold one element. Parameter
    /// gradients accumulate into <see cref="Variable.Grad"/> (call <see cref="Variable.ZeroGrad"/> between steps).
    /// </summary>
    public void Backward(Variable loss)
    {
        if (!RecordsGradients)
            throw new InvalidOperationException("this tape was made for inference (recordGradients: false); it has nothing to run backward");
        if (loss.Data.ElementCount != 1)
            throw new ArgumentException($"backward starts from a scalar loss; this one has shape {loss.Shape}");
        if (_backwardDone)
            throw new InvalidOperationException("this tape has already run backward; record a new forward pass on a new tape");
        _backwardDone = true;
        if (!loss.RequiresGrad) return;
        Accumulate(loss, Tensor.From(Backend, [1f], loss.Shape.ToArray()), owned: true);
        for (int i = _backward.Count - 1; i >= 0; i--) _backward[i]();
    }

    public void Dispose()
    {
        foreach (var v in _intermediates) v.ZeroGrad();
        foreach (var t in _owned) t.Dispose();
        _owned.Clear();
        _intermediates.Clear();
        _backward.Clear();
    }

    // ---- what the op files use ------------------------------------------------------------------------------

    /// <summary>
    /// Wraps an op's fresh output (owned by the tape) and, when an input needs a gradient, records
    /// <paramref name="backward"/>, which receives the output's gradient once it is known.
    /// </summary>
    private Variable Record(Tensor output, Action<Tensor>? backward, params Variable[] inputs)
    {
        _owned.Add(output);
        return View(output, backward, inputs);
    }

    /// <summary>As <see cref="Record"/> for an output that shares an input's storage (a reshape): not freed by the tape.</summary>
    private Variable View(Tensor output, Action<Tensor>? backward, params Variable[] inputs)
    {
        bool requiresGrad = RecordsGradients && backward is not null && inputs.Any(v => v.RequiresGrad);
        var result = new Variable(output, requiresGrad);
        _intermediates.Add(result);
        if (requiresGrad)
            _backward.Add(() =>
            {
                if (result.Grad is not null) backward!(result.Grad);
            });
        return result;
    }

    /// <summary>
    /// Adds <paramref name="grad"/> to v's gradient. An <paramref name="owned"/> tensor is taken over (or freed after
    /// adding); a borrowed one (a view of another gradient) is copied, so no two gradients share storage.
    /// </summary>
    private void Accumulate(Variable v, Tensor grad, bool owned)
    {
        if (!v.RequiresGrad)
        {
            if (owned) grad.Dispose();
            return;
        }
        if (grad.Shape != v.Shape)
            throw new InvalidOperationException($"internal: gradient of shape {grad.Shape} for a variable of shape {v.Shape}");
        if (v.Grad is null)
        {
            v.Grad = owned ? grad : grad.Clone();
            return;
        }
        Backend.AddInPlace(v.Grad, grad);
        if (owned) grad.Dispose();
    }

    private void Accumulate(Variable v, Tensor grad) => Accumulate(v, grad, owned: true);

    /// <summary>Sums a gradient of <paramref name="full"/>'s shape down to <paramref name="target"/>'s trailing shape (undoing a broadcast).</summary>
    private Tensor SumTo(Tensor full, Shape target)
    {
        if (full.Shape == target) return full.Clone();
        return Backend.SumLeading(full.Reshape(-1, (int)target.ElementCount)).Reshape(target.ToArray());
    }
}
