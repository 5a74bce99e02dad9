using LlmLab.Tensors;

namespace LlmLab.Backends;

/// <summary>Gradients of a normalisation layer: input, weight, and bias (null for RmsNorm).</summary>
public sealed record NormGradients(Tensor Input, Tensor Weight, Tensor? Bias);

/// <summary>Gradients of attention's query, key and value, shaped like them.</summary>
public sealed record AttentionGradients(Tensor Query, Tensor Key, Tensor Value);

/// <summary>
/// The hyper-parameters of one AdamW update. <see cref="Step"/> counts from 1 (bias correction 1 - beta^step).
/// <see cref="GradientScale"/> multiplies the gradient first (global-norm clipping: min(1, maxNorm / norm)).
/// </summary>
public sealed record AdamWStep(
    float LearningRate,
    int Step,
    float Beta1 = 0.9f,
    float Beta2 = 0.999f,
    float Epsilon = 1e-8f,
    float WeightDecay = 0.01f,
    float GradientScale = 1f);
