using LlmLab.Nn;

namespace LlmLab.Quantization;

/// <summary>
/// Puts a model's f32 weights in its backend's inference layout for decoding (<see cref="Linear.Interleave"/>):
/// same outputs, bit for bit, and the same memory; the cpu backend's decode steps stream them without transposes.
/// </summary>
public static class InferenceLayout
{
    /// <summary>
    /// Interleaves every f32 linear layer and embedding of <paramref name="model"/> (a tied head with its table);
    /// quantised ones, and layers under an unmerged LoRA adapter, stay as they are. Returns how many weights it
    /// interleaved. Training the model afterwards is fine: a weight read as f32 is stored as f32 again.
    /// </summary>
    public static int Interleave(Module model)
    {
        int count = 0;
        foreach (var (_, layer) in WeightQuantizer.Linears(model))
            if (layer.Interleave()) count++;
        foreach (var (_, table) in WeightQuantizer.Embeddings(model))
            if (table.Interleave()) count++;
        return count;
    }
}
