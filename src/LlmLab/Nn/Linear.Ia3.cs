using LlmLab.Autograd;
using LlmLab.Tensors;

namespace LlmLab.Nn;

/// <summary>
/// IA3 on a linear layer (Liu et al. 2022, peft's ia3.Linear): a learned vector "ia3_l" that rescales the layer's
/// output, y = (x Wᵀ + b) ⊙ l with l [out] (keys, values), or, for a feed-forward layer, its input,
/// y = (x ⊙ l) Wᵀ + b with l [in] (the MLP's inner activation as the down projection reads it).
/// </summary>
public sealed partial class Linear
{
    /// <summary>IA3's vector ("ia3_l"), [out] or [in] for a feed-forward layer; null without IA3.</summary>
    public Variable? Ia3Vector { get; private set; }
    /// <summary>Whether <see cref="Ia3Vector"/> scales the input (a feed-forward layer) rather than the output.</summary>
    public bool Ia3FeedForward { get; private set; }

    /// <summary>Adds IA3's vector at 1 (peft's init_ia3_weights), so the layer computes what it did until it trains.</summary>
    public void AttachIa3(bool feedForward) =>
        AttachIa3(Enumerable.Repeat(1f, feedForward ? InFeatures : OutFeatures).ToArray(), feedForward);

    /// <summary>Adds IA3's vector with given values (read from a file); it is trainable.</summary>
    public void AttachIa3(float[] values, bool feedForward)
    {
        if (Ia3Vector is not null) throw new InvalidOperationException("this layer already has an IA3 vector; detach it first");
        int length = feedForward ? InFeatures : OutFeatures;
        if (values.Length != length)
            throw new ArgumentException($"IA3 on a [{OutFeatures}, {InFeatures}] layer needs {length} values ({(feedForward ? "in" : "out")} features), got {values.Length}");
        Ia3Vector = Parameter("ia3_l", Tensor.From(Weight.Backend, values, length));
        Ia3FeedForward = feedForward;
    }

    /// <summary>Removes IA3's vector and frees it; the layer computes its base product again.</summary>
    public void DetachIa3()
    {
        var vector = Ia3Vector ?? throw new InvalidOperationException("this layer has no IA3 vector");
        RemoveParameter("ia3_l");
        vector.ZeroGrad();
        vector.Data.Dispose();
        Ia3Vector = null;
        Ia3FeedForward = false;
    }

    private Variable Ia3Input(Tape tape, Variable x) => Ia3Vector is { } l && Ia3FeedForward ? tape.Mul(x, l) : x;

    private Variable Ia3Output(Tape tape, Variable y) => Ia3Vector is { } l && !Ia3FeedForward ? tape.Mul(y, l) : y;
}
