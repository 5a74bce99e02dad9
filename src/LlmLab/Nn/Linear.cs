using LlmLab.Autograd;
using LlmLab.Backends;
using LlmLab.Quantization;
using LlmLab.Random;
using LlmLab.Tensors;

namespace LlmLab.Nn;

/// <summary>
/// y = x Wᵀ + b with W stored [out, in] (PyTorch's nn.Linear), initialised N(0, std) and b = 0 (GPT-2). For inference
/// the weight can be stored quantised (<see cref="Quantize"/>); the bias stays f32.
/// </summary>
public sealed class Linear : Module
{
    public Linear(IBackend backend, int inFeatures, int outFeatures, bool bias, RandomStream init, float std = 0.02f)
    {
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        Weight = Parameter("weight", Tensor.From(backend, init.Normal((long)outFeatures * inFeatures, std), outFeatures, inFeatures));
        Bias = bias ? Parameter("bias", Tensor.Zeros(backend, new Shape(outFeatures))) : null;
    }

    public int InFeatures { get; }
    public int OutFeatures { get; }
    public Variable Weight { get; }
    public Variable? Bias { get; }

    /// <summary>How <see cref="Forward"/> stores the weight: f32 (<see cref="Weight"/> itself) or a quantised copy of it.</summary>
    public WeightFormat Format { get; private set; }

    /// <summary>The quantised weight Forward multiplies by (dequantising on the fly); null in f32.</summary>
    public QuantizedWeight? QuantizedWeight { get; private set; }

    /// <summary>Bytes of the weight as Forward reads it (f32, or the quantised values with their scales).</summary>
    public long WeightByteLength => QuantizedWeight?.ByteLength() ?? Weight.Data.ByteLength;

    /// <summary>
    /// Stores the weight in <paramref name="format"/> for inference, quantised from the f32 <see cref="Weight"/>, which
    /// is kept: quantising again starts from it, and <see cref="WeightFormat.F32"/> goes back to it exactly. A
    /// quantised layer has no gradient, so a tape that records gradients refuses it (train in f32, then quantise).
    /// </summary>
    public void Quantize(WeightFormat format)
    {
        var next = format == WeightFormat.F32 ? null : WeightFormats.Quantize(Weight.Data, format);
        QuantizedWeight?.Release();
        QuantizedWeight = next;
        Format = format;
    }

    public Variable Forward(Tape tape, Variable x) => QuantizedWeight is { } quantized
        ? tape.QuantizedLinear(x, quantized, Bias, Format.Name())
        : tape.MatMul(x, Weight, transposeB: true, bias: Bias);
}
