using LlmLab.Nn;

namespace LlmLab.Models;

/// <summary>Learned position embeddings (GPT-2) or rotary ones applied in attention (Llama).</summary>
public enum PositionKind
{
    Learned,
    Rotary,
}

/// <summary>
/// A decoder-only transformer's shape, as nanoGPT's GPTConfig plus the Llama variations. <see cref="Validate"/>
/// names the first inconsistent value.
/// </summary>
public sealed record GptConfig
{
    public int VocabularySize { get; init; } = 65;
    public int Context { get; init; } = 64;
    public int Layers { get; init; } = 4;
    public int Heads { get; init; } = 4;
    /// <summary>Key/value heads; fewer than <see cref="Heads"/> is grouped-query attention. 0 means = Heads.</summary>
    public int KeyValueHeads { get; init; }
    public int Width { get; init; } = 128;
    public float MlpRatio { get; init; } = 4;
    public NormKind Norm { get; init; } = NormKind.LayerNorm;
    public MlpKind Mlp { get; init; } = MlpKind.Gelu;
    public PositionKind Positions { get; init; } = PositionKind.Learned;
    public float RopeTheta { get; init; } = 10000f;
    public bool TiedEmbeddings { get; init; } = true;
    public bool Bias { get; init; } = true;
    /// <summary>The normalisation epsilon (GPT-2's layer_norm_epsilon, Llama's rms_norm_eps).</summary>
    public float NormEpsilon { get; init; } = 1e-5f;

    public int KvHeads => KeyValueHeads == 0 ? Heads : KeyValueHeads;
    public int MlpHidden => (int)MathF.Round(Width * MlpRatio);

    /// <summary>Each block's shape; residual projections start at N(0, 0.02 / sqrt(2 layers)) as GPT-2's do.</summary>
    public TransformerBlockOptions BlockOptions() => new(Width, Heads, KvHeads, MlpHidden, Mlp, Norm, NormEpsilon, Bias,
        Positions == PositionKind.Rotary, RopeTheta, ProjectionStd: 0.02f / MathF.Sqrt(2 * Layers));

    public GptConfig Validate()
    {
        Require(VocabularySize > 0, $"vocabulary size must be positive, got {VocabularySize}");
        Require(Context > 0, $"context must be positive, got {Context}");
        Require(Layers > 0, $"layers must be positive, got {Layers}");
        Require(Heads > 0 && Width % Heads == 0, $"width {Width} must be a positive multiple of heads {Heads}");
        Require(KvHeads > 0 && Heads % KvHeads == 0, $"heads {Heads} must be a multiple of key/value heads {KvHeads}");
        Require(Positions != PositionKind.Rotary || Width / Heads % 2 == 0, $"rotary positions need an even head size, got {Width / Heads}");
        Require(MlpRatio > 0, $"MLP ratio must be positive, got {MlpRatio}");
        return this;
    }

    private static void Require(bool ok, string message)
    {
        if (!ok) throw new ArgumentException($"GPT config: {message}");
    }
}
