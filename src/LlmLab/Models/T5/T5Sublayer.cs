using LlmLab.Nn;

namespace LlmLab.Models;

/// <summary>
/// One of a T5 block's residual sub-layers (transformers' T5LayerSelfAttention, T5LayerCrossAttention,
/// T5LayerFF): its pre-norm "layer_norm" and the layer it wraps under transformers' name ("SelfAttention",
/// "EncDecAttention", "DenseReluDense"). The block adds the residual.
/// </summary>
public sealed class T5Sublayer<T> : Module where T : Module
{
    public T5Sublayer(string name, T layer, Norm layerNorm)
    {
        Layer = Child(name, layer);
        LayerNorm = Child("layer_norm", layerNorm);
    }

    public T Layer { get; }
    /// <summary>T5LayerNorm: RMS norm with a weight, no mean subtraction and no bias.</summary>
    public Norm LayerNorm { get; }
}
