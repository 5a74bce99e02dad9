using LlmLab.Autograd;
using LlmLab.Backends;

namespace LlmLab.Nn;

/// <summary>What <see cref="Linear"/> and <see cref="Embedding"/> share about a weight stored quantised.</summary>
internal static class QuantizedParameter
{
    public static WeightFormat FormatOf(QuantizedWeight weight) =>
        weight.Int8 is not null ? WeightFormat.Int8 : weight.Blocks!.DType == Tensors.DType.Q8_0 ? WeightFormat.Q8_0 : WeightFormat.Q4_0;

    /// <summary>A quantised weight read elsewhere must have the parameter's shape and live on its backend.</summary>
    public static void CheckFits(QuantizedWeight weight, Variable parameter, string layer)
    {
        if (weight.Shape != parameter.Shape)
            throw new ArgumentException($"a quantised weight of shape {weight.Shape} does not fit {layer} of weight {parameter.Shape}");
        if (!ReferenceEquals((weight.Int8?.Values ?? weight.Blocks!).Backend, parameter.Backend))
            throw new ArgumentException($"a quantised weight must live on the backend of {layer}");
    }

    /// <summary>
    /// Q8_0 and Q4_0 store rows in blocks of 32; a row of another width is named in the error (int8 takes any).
    /// </summary>
    public static void CheckBlocks(WeightFormat format, int width, string what)
    {
        if (format is WeightFormat.Q8_0 or WeightFormat.Q4_0 && width % 32 != 0)
            throw new ArgumentException($"{format.Name()} stores blocks of 32 values, but {what} has rows of {width} (use int8, or a width that is a multiple of 32)");
    }
}
