using LlmLab.Autograd;
using LlmLab.Backends;

namespace LlmLab.Nn;

/// <summary>
/// A weight parameter stored in its backend's inference layout (<see cref="IBackend.Interleave"/>) in place of its
/// f32 tensor, for <see cref="Linear"/> and <see cref="Embedding"/>. The parameter's tensor is freed and remade from
/// the layout when read; once read, that tensor is the weight (it may be trained or merged into) and the layout is
/// dropped.
/// </summary>
internal sealed class InterleavedParameter(Variable weight)
{
    private InterleavedWeight? _stored;

    /// <summary>The weight in the inference layout while it is the weight, else null.</summary>
    public InterleavedWeight? Current
    {
        get
        {
            if (weight.IsMaterialized) Drop();
            return _stored;
        }
    }

    public void Interleave()
    {
        if (Current is not null) return;
        var stored = weight.Backend.Interleave(weight.Data);
        _stored = stored;
        weight.Defer(() => stored.Data.Backend.Deinterleave(stored));
    }

    /// <summary>Frees the layout: the weight is stored another way from now on (read as f32, or quantised).</summary>
    public void Drop()
    {
        _stored?.Dispose();
        _stored = null;
    }
}
