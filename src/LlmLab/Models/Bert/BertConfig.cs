namespace LlmLab.Models;

/// <summary>BERT's hidden_act: the exact GELU ("gelu", PyTorch's erf form), the tanh GELU ("gelu_new"), or ReLU.</summary>
public enum BertActivation
{
    GeluErf,
    GeluTanh,
    Relu,
}

/// <summary>
/// An encoder-only BERT's shape, as transformers' BertConfig (hidden_size, num_hidden_layers, intermediate_size,
/// max_position_embeddings, type_vocab_size, layer_norm_eps, initializer_range). <see cref="Validate"/> names the
/// first inconsistent value.
/// </summary>
public sealed record BertConfig
{
    public int VocabularySize { get; init; } = 512;
    /// <summary>hidden_size.</summary>
    public int Width { get; init; } = 128;
    public int Layers { get; init; } = 2;
    public int Heads { get; init; } = 4;
    /// <summary>The feed-forward width (intermediate_size).</summary>
    public int IntermediateSize { get; init; } = 512;
    /// <summary>Learned positions (max_position_embeddings): the longest input.</summary>
    public int MaxPositions { get; init; } = 128;
    /// <summary>Segment (token type) embeddings (type_vocab_size).</summary>
    public int TypeVocabularySize { get; init; } = 2;
    public BertActivation Activation { get; init; } = BertActivation.GeluErf;
    /// <summary>layer_norm_eps (BERT's 1e-12).</summary>
    public float NormEpsilon { get; init; } = 1e-12f;
    /// <summary>The std of the N(0, std) initialisation of every weight matrix and embedding (initializer_range).</summary>
    public float InitializerRange { get; init; } = 0.02f;
    /// <summary>The MLM decoder shares the word embeddings (tie_word_embeddings).</summary>
    public bool TiedEmbeddings { get; init; } = true;
    /// <summary>The padding token, whose word embedding starts at zero (pad_token_id); null for none.</summary>
    public int? PadTokenId { get; init; } = 0;

    public int HeadDim => Width / Heads;

    public BertConfig Validate()
    {
        Require(VocabularySize > 0, $"vocabulary size must be positive, got {VocabularySize}");
        Require(Layers > 0, $"layers must be positive, got {Layers}");
        Require(Heads > 0 && Width > 0 && Width % Heads == 0, $"width {Width} must be a positive multiple of heads {Heads}");
        Require(IntermediateSize > 0, $"intermediate size must be positive, got {IntermediateSize}");
        Require(MaxPositions > 0, $"max positions must be positive, got {MaxPositions}");
        Require(TypeVocabularySize > 0, $"type vocabulary size must be positive, got {TypeVocabularySize}");
        Require(NormEpsilon >= 0 && float.IsFinite(NormEpsilon), $"layer norm epsilon must be finite and not negative, got {NormEpsilon}");
        Require(InitializerRange >= 0 && float.IsFinite(InitializerRange), $"initializer range must be finite and not negative, got {InitializerRange}");
        Require(PadTokenId is null || (PadTokenId >= 0 && PadTokenId < VocabularySize),
            $"pad token {PadTokenId} is outside the vocabulary of {VocabularySize}");
        return this;
    }

    private static void Require(bool ok, string message)
    {
        if (!ok) throw new ArgumentException($"BERT config: {message}");
    }
}
