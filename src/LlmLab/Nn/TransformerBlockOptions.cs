namespace LlmLab.Nn;

/// <summary>
/// The shape of one <see cref="TransformerBlock"/>: width, heads (fewer key/value heads is grouped-query attention),
/// the MLP's hidden width and kind, the norm, biases, rotary positions, and the std of the residual projections'
/// initialisation. A model's config produces it (GptConfig.BlockOptions).
/// </summary>
public sealed record TransformerBlockOptions(
    int Width,
    int Heads,
    int KeyValueHeads,
    int MlpHidden,
    MlpKind Mlp,
    NormKind Norm,
    float NormEpsilon,
    bool Bias,
    bool Rotary,
    float RopeTheta,
    float ProjectionStd);
