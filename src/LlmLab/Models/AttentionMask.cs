using LlmLab.Autograd;
using LlmLab.Tensors;

namespace LlmLab.Models;

/// <summary>
/// transformers' attention_mask ([batch, time], i32 or i64, non-zero = a token, 0 = padding) as the i32 key padding
/// mask LlmLab's attention takes. One reading for every model, so they check and convert it alike.
/// </summary>
public static class AttentionMask
{
    /// <summary>The mask as 0/1 values after checking its shape and dtype; <paramref name="model"/> names the model in errors.</summary>
    public static int[] Read(Tensor mask, Shape idsShape, string model)
    {
        if (mask.Shape != idsShape)
            throw new ArgumentException($"{model} attention mask {mask.Shape} must have the input ids' shape {idsShape}");
        return mask.DType switch
        {
            DType.I32 => Array.ConvertAll(mask.ToArray<int>(), m => m != 0 ? 1 : 0),
            DType.I64 => Array.ConvertAll(mask.ToArray<long>(), m => m != 0 ? 1 : 0),
            _ => throw new ArgumentException($"{model} attention mask must be i32 or i64 (1 = token, 0 = padding), got {mask.DType.Name()}"),
        };
    }

    /// <summary>
    /// The i32 key padding mask, kept by the tape; null when there is no mask or it hides nothing (the same result
    /// without the masking work).
    /// </summary>
    public static Tensor? KeyPadding(Tape tape, Tensor? mask, Shape idsShape, string model)
    {
        if (mask is null) return null;
        int[] values = Read(mask, idsShape, model);
        return values.All(m => m != 0) ? null : tape.Keep(Tensor.From(tape.Backend, values, idsShape.ToArray()));
    }
}
