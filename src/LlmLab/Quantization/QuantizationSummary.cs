using LlmLab.Nn;

namespace LlmLab.Quantization;

/// <summary>What <see cref="WeightQuantizer.Quantize"/> did to a model, in bytes as inference stores them.</summary>
/// <param name="Format">The format the linear layers are in now.</param>
/// <param name="Layers">The dotted names of the model's linear layers, all now in <paramref name="Format"/>.</param>
/// <param name="LinearWeights">How many weights those layers hold (biases not counted).</param>
/// <param name="LinearBytes">Their bytes in the format (int8: values plus row scales; Q8_0/Q4_0: the blocks).</param>
/// <param name="ModelBytes">Every parameter's bytes: the linear weights (and a quantised embedding) as stored, everything else f32.</param>
/// <param name="ModelWeights">Every parameter, counted.</param>
/// <param name="Embedding">The dotted name of the embedding quantised with the layers (the token embedding), or null.</param>
/// <param name="EmbeddingWeights">Its weights (0 without one).</param>
/// <param name="EmbeddingBytes">Its bytes in the format (0 without one).</param>
public sealed record QuantizationSummary(WeightFormat Format, IReadOnlyList<string> Layers, long LinearWeights, long LinearBytes,
    long ModelBytes, long ModelWeights, string? Embedding = null, long EmbeddingWeights = 0, long EmbeddingBytes = 0)
{
    public long LinearF32Bytes => LinearWeights * sizeof(float);
    public long ModelF32Bytes => ModelWeights * sizeof(float);
    /// <summary>Bytes the quantised embedding saves against f32 (0 without one).</summary>
    public long EmbeddingSavedBytes => EmbeddingWeights * sizeof(float) - EmbeddingBytes;
}
