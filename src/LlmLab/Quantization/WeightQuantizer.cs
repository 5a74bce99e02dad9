using LlmLab.Nn;

namespace LlmLab.Quantization;

/// <summary>What <see cref="WeightQuantizer.Quantize"/> did to a model, in bytes as inference stores them.</summary>
/// <param name="Format">The format the linear layers are in now.</param>
/// <param name="Layers">The dotted names of the model's linear layers, all now in <paramref name="Format"/>.</param>
/// <param name="LinearWeights">How many weights those layers hold (biases not counted).</param>
/// <param name="LinearBytes">Their bytes in the format (int8: values plus row scales; Q8_0/Q4_0: the blocks).</param>
/// <param name="ModelBytes">Every parameter's bytes: the linear weights as stored, everything else f32.</param>
/// <param name="ModelWeights">Every parameter, counted.</param>
public sealed record QuantizationSummary(WeightFormat Format, IReadOnlyList<string> Layers, long LinearWeights, long LinearBytes,
    long ModelBytes, long ModelWeights)
{
    public long LinearF32Bytes => LinearWeights * sizeof(float);
    public long ModelF32Bytes => ModelWeights * sizeof(float);
}

/// <summary>
/// Post-training weight quantisation of a whole model: every <see cref="Linear"/> below it (attention q/k/v/o, the
/// MLP, an untied LM head) stores its weight in one format. Embeddings stay f32, and with them a tied LM head (it
/// is the token embedding), as do norms and biases: they are a small share of a GPT's weights, and llama.cpp keeps
/// them at higher precision too.
/// </summary>
public static class WeightQuantizer
{
    /// <summary>
    /// Puts every linear layer of <paramref name="model"/> in <paramref name="format"/> (<see cref="WeightFormat.F32"/>
    /// goes back to the original weights). Q8_0 and Q4_0 need every layer's input width to be a multiple of 32; a
    /// layer that is not is named in the error, before anything changes.
    /// </summary>
    public static QuantizationSummary Quantize(Module model, WeightFormat format)
    {
        var layers = Linears(model);
        if (format is WeightFormat.Q8_0 or WeightFormat.Q4_0 && layers.FirstOrDefault(l => l.Layer.InFeatures % 32 != 0) is { Layer: not null } bad)
            throw new ArgumentException(
                $"{format.Name()} stores blocks of 32 inputs, but layer '{bad.Name}' has {bad.Layer.InFeatures} (use int8, or a width that is a multiple of 32)");
        foreach (var (_, layer) in layers) layer.Quantize(format);
        return Summary(model, layers, format);
    }

    private static QuantizationSummary Summary(Module model, IReadOnlyList<(string Name, Linear Layer)> layers, WeightFormat format)
    {
        long linearWeights = layers.Sum(l => l.Layer.Weight.Data.ElementCount);
        long linearBytes = layers.Sum(l => l.Layer.WeightByteLength);
        long modelWeights = model.ParameterCount();
        long modelBytes = modelWeights * sizeof(float) - linearWeights * sizeof(float) + linearBytes;
        return new QuantizationSummary(format, [.. layers.Select(l => l.Name)], linearWeights, linearBytes, modelBytes, modelWeights);
    }

    /// <summary>Every linear layer below <paramref name="model"/>, with its dotted name; a LoRA adapter's A and B are
    /// not the model's layers and stay f32 (QLoRA trains them over the quantised base).</summary>
    public static IReadOnlyList<(string Name, Linear Layer)> Linears(Module model) =>
        [.. model.NamedModules()
            .Where(m => m.Module is Linear && !m.Name.EndsWith(".lora_A", StringComparison.Ordinal) && !m.Name.EndsWith(".lora_B", StringComparison.Ordinal))
            .Select(m => (m.Name, (Linear)m.Module))];
}
