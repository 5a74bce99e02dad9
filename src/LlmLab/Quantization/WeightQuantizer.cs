using LlmLab.Nn;

namespace LlmLab.Quantization;

/// <summary>
/// Post-training weight quantisation of a whole model: every <see cref="Linear"/> below it (attention q/k/v/o, the
/// MLP, an untied LM head) stores its weight in one format, and on request the token embedding too (and with it a
/// tied LM head, as ggml's GPT-2 example quantises wte). Other embeddings, norms and biases stay f32: they are a
/// small share of a GPT's weights, and llama.cpp keeps them at higher precision too.
/// </summary>
public static class WeightQuantizer
{
    /// <summary>
    /// Puts every linear layer of <paramref name="model"/> in <paramref name="format"/>, and
    /// <paramref name="embedding"/> (one of its embeddings, usually the token embedding) with them; every other
    /// embedding goes back to f32. <see cref="WeightFormat.F32"/> goes back to the original weights. Q8_0 and Q4_0
    /// need every layer's input width (and the embedding's row width) to be a multiple of 32; one that is not is
    /// named in the error, before anything changes.
    /// </summary>
    public static QuantizationSummary Quantize(Module model, WeightFormat format, Embedding? embedding = null)
    {
        var layers = Linears(model);
        var embeddings = Embeddings(model);
        string? embeddingName = null;
        if (embedding is not null)
            embeddingName = embeddings.FirstOrDefault(e => ReferenceEquals(e.Layer, embedding)).Name
                            ?? throw new ArgumentException("the embedding to quantise is not a module of this model");
        if (format is WeightFormat.Q8_0 or WeightFormat.Q4_0 && layers.FirstOrDefault(l => l.Layer.InFeatures % 32 != 0) is { Layer: not null } bad)
            throw new ArgumentException(
                $"{format.Name()} stores blocks of 32 inputs, but layer '{bad.Name}' has {bad.Layer.InFeatures} (use int8, or a width that is a multiple of 32)");
        if (embedding is not null) QuantizedParameter.CheckBlocks(format, embedding.Weight.Shape[1], $"embedding '{embeddingName}'");
        foreach (var (_, layer) in layers) layer.Quantize(format);
        foreach (var (_, table) in embeddings)
            if (ReferenceEquals(table, embedding)) table.Quantize(format);
            else if (table.QuantizedWeight is not null) table.Quantize(WeightFormat.F32);
        return Summary(model, layers, format, embedding is null ? null : (embeddingName!, embedding));
    }

    private static QuantizationSummary Summary(Module model, IReadOnlyList<(string Name, Linear Layer)> layers, WeightFormat format,
        (string Name, Embedding Layer)? embedding)
    {
        long linearWeights = layers.Sum(l => l.Layer.Weight.Shape.ElementCount);
        long linearBytes = layers.Sum(l => l.Layer.WeightByteLength);
        long embeddingWeights = embedding?.Layer.Weight.Shape.ElementCount ?? 0;
        long embeddingBytes = embedding?.Layer.WeightByteLength ?? 0;
        long modelWeights = model.ParameterCount();
        long modelBytes = (modelWeights - linearWeights - embeddingWeights) * sizeof(float) + linearBytes + embeddingBytes;
        return new QuantizationSummary(format, [.. layers.Select(l => l.Name)], linearWeights, linearBytes, modelBytes, modelWeights,
            embedding?.Name, embeddingWeights, embeddingBytes);
    }

    /// <summary>Every linear layer below <paramref name="model"/>, with its dotted name; a LoRA adapter's A and B are
    /// not the model's layers and stay f32 (QLoRA trains them over the quantised base).</summary>
    public static IReadOnlyList<(string Name, Linear Layer)> Linears(Module model) =>
        [.. model.NamedModules()
            .Where(m => m.Module is Linear && !m.Name.EndsWith(".lora_A", StringComparison.Ordinal) && !m.Name.EndsWith(".lora_B", StringComparison.Ordinal))
            .Select(m => (m.Name, (Linear)m.Module))];

    /// <summary>Every embedding below <paramref name="model"/>, with its dotted name ("wte", "shared").</summary>
    public static IReadOnlyList<(string Name, Embedding Layer)> Embeddings(Module model) =>
        [.. model.NamedModules().Where(m => m.Module is Embedding).Select(m => (m.Name, (Embedding)m.Module))];
}
