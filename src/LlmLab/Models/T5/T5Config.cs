namespace LlmLab.Models;

/// <summary>The feed-forward non-linearity of a T5: ReLU (T5 1.0), the tanh GELU (T5 1.1's "gated-gelu"), the exact erf GELU
/// (a plain "gelu"), or SiLU.</summary>
public enum T5Activation
{
    Relu,
    /// <summary>GELU, tanh form (transformers' "gelu_new"), which "gated-gelu" means.</summary>
    GeluTanh,
    /// <summary>GELU, exact erf form (transformers' "gelu"), which a plain feed_forward_proj "gelu" means.</summary>
    GeluErf,
    Silu,
}

/// <summary>
/// An encoder-decoder T5's shape, as transformers' T5Config: d_model (<see cref="Width"/>), d_kv
/// (<see cref="HeadDim"/>; heads x d_kv need not equal d_model), d_ff, layers of each stack, relative position
/// buckets, and the feed-forward kind (feed_forward_proj "relu", "gated-gelu", ...). Defaults are t5-small's.
/// <see cref="Validate"/> names the first inconsistent value.
/// </summary>
public sealed record T5Config
{
    public int VocabularySize { get; init; } = 32128;
    /// <summary>d_model: the residual stream's width.</summary>
    public int Width { get; init; } = 512;
    /// <summary>d_kv: each head's query/key/value size.</summary>
    public int HeadDim { get; init; } = 64;
    /// <summary>d_ff: the feed-forward hidden width.</summary>
    public int FeedForwardWidth { get; init; } = 2048;
    public int EncoderLayers { get; init; } = 6;
    public int DecoderLayers { get; init; } = 6;
    public int Heads { get; init; } = 8;
    /// <summary>relative_attention_num_buckets (half of them per direction in the encoder).</summary>
    public int RelativeBuckets { get; init; } = 32;
    /// <summary>relative_attention_max_distance: distances from here on share the last bucket.</summary>
    public int RelativeMaxDistance { get; init; } = 128;
    /// <summary>layer_norm_epsilon of the RMS norms.</summary>
    public float NormEpsilon { get; init; } = 1e-6f;
    public T5Activation Activation { get; init; } = T5Activation.Relu;
    /// <summary>Gated feed-forward: wo(act(wi_0 x) * wi_1 x) instead of wo(act(wi x)).</summary>
    public bool Gated { get; init; }
    /// <summary>tie_word_embeddings: the head is the shared embedding table (no lm_head).</summary>
    public bool TiedEmbeddings { get; init; } = true;
    /// <summary>
    /// Multiply the decoder's output by d_model^-0.5 before the head (transformers' scale_decoder_outputs); null
    /// means as <see cref="TiedEmbeddings"/>, which is what configs without the key meant.
    /// </summary>
    public bool? ScaleDecoderOutputs { get; init; }

    public int InnerWidth => Heads * HeadDim;
    public bool ScalesDecoderOutputs => ScaleDecoderOutputs ?? TiedEmbeddings;

    public T5Config Validate()
    {
        Require(VocabularySize > 0, $"vocabulary size must be positive, got {VocabularySize}");
        Require(Width > 0 && HeadDim > 0 && Heads > 0 && FeedForwardWidth > 0,
            $"width {Width}, head dim {HeadDim}, heads {Heads} and feed-forward width {FeedForwardWidth} must be positive");
        Require(EncoderLayers > 0 && DecoderLayers > 0, $"encoder and decoder layers must be positive, got {EncoderLayers} and {DecoderLayers}");
        Require(RelativeBuckets >= 4, $"relative attention needs at least 4 buckets (2 exact ones per direction), got {RelativeBuckets}");
        Require(RelativeMaxDistance > RelativeBuckets / 2, $"relative max distance {RelativeMaxDistance} must exceed half the buckets ({RelativeBuckets / 2})");
        Require(NormEpsilon > 0, $"norm epsilon must be positive, got {NormEpsilon}");
        return this;
    }

    private static void Require(bool ok, string message)
    {
        if (!ok) throw new ArgumentException($"T5 config: {message}");
    }
}
