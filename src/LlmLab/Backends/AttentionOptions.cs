using LlmLab.Tensors;

namespace LlmLab.Backends;

/// <summary>Options of <see cref="IBackend.Attention"/>.</summary>
public sealed record AttentionOptions
{
    /// <summary>Each query sees only keys at its own position or before.</summary>
    public bool Causal { get; init; }

    /// <summary>i32 [B, Tk] over all keys (cached ones included): non-zero attends, 0 is padding (Hugging Face's attention_mask).</summary>
    public Tensor? KeyPaddingMask { get; init; }

    /// <summary>Additive f32 bias [Hq, Tq, Tk] or [B, Hq, Tq, Tk] on the scores (T5's relative positions, ALiBi).</summary>
    public Tensor? Bias { get; init; }

    /// <summary>Multiplier of q k^T; null means 1/sqrt(D). T5 uses 1.</summary>
    public float? Scale { get; init; }

    /// <summary>Keys and values of earlier steps; the call appends k and v to it.</summary>
    public KvCache? Cache { get; init; }
}
