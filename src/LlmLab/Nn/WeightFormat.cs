using LlmLab.Backends;
using LlmLab.Tensors;

namespace LlmLab.Nn;

/// <summary>
/// How a linear layer's weight is stored for inference: f32, int8 with one absmax scale per output row (LLM.int8's
/// vector-wise scheme), or ggml's Q8_0 / Q4_0 blocks of 32 values with an fp16 scale each (docs/references.md).
/// </summary>
public enum WeightFormat
{
    F32,
    Int8,
    Q8_0,
    Q4_0,
}

public static class WeightFormats
{
    /// <summary>The name used on command lines and in reports: f32, int8, q8_0, q4_0.</summary>
    public static string Name(this WeightFormat format) => format switch
    {
        WeightFormat.F32 => "f32",
        WeightFormat.Int8 => "int8",
        WeightFormat.Q8_0 => "q8_0",
        WeightFormat.Q4_0 => "q4_0",
        _ => format.ToString(),
    };

    /// <summary>A format by name (case-insensitive); an unknown name lists the known ones.</summary>
    public static WeightFormat Parse(string name)
    {
        foreach (var format in Enum.GetValues<WeightFormat>())
            if (string.Equals(format.Name(), name.Trim(), StringComparison.OrdinalIgnoreCase)) return format;
        throw new ArgumentException($"unknown weight format '{name}'; use one of {string.Join(", ", Enum.GetValues<WeightFormat>().Select(f => f.Name()))}");
    }

    /// <summary>The weight [out, in] in <paramref name="format"/> (not f32): Q8_0 and Q4_0 need <c>in</c> to be a multiple of 32.</summary>
    public static QuantizedWeight Quantize(Tensor weight, WeightFormat format) => format switch
    {
        WeightFormat.Int8 => weight.Backend.QuantizeInt8(weight, Int8Scheme.AbsmaxPerRow),
        WeightFormat.Q8_0 => weight.Backend.QuantizeBlocks(weight, DType.Q8_0),
        WeightFormat.Q4_0 => weight.Backend.QuantizeBlocks(weight, DType.Q4_0),
        _ => throw new ArgumentException($"{format.Name()} is not a quantised format"),
    };

    /// <summary>Bytes a quantised weight occupies: int8 values and their f32 row scales, or the blocks.</summary>
    public static long ByteLength(this QuantizedWeight weight) =>
        weight.Int8 is { } int8 ? int8.Values.ByteLength + int8.Scales.ByteLength : weight.Blocks!.ByteLength;

    /// <summary>The f32 weight a quantised one stands for (what the quantised matmul multiplies by).</summary>
    public static Tensor Dequantize(this QuantizedWeight weight) =>
        weight.Int8 is { } int8 ? int8.Values.Backend.Dequantize(int8) : weight.Blocks!.Backend.DequantizeBlocks(weight.Blocks);

    public static void Release(this QuantizedWeight weight)
    {
        weight.Int8?.Dispose();
        weight.Blocks?.Dispose();
    }
}
