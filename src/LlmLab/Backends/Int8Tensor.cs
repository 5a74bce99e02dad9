using LlmLab.Tensors;

namespace LlmLab.Backends;

/// <summary>How <see cref="IBackend.QuantizeInt8"/> maps floats to int8 (docs/references.md, Quantisation).</summary>
public enum Int8Scheme
{
    /// <summary>q = round(127 / max|x| * x) with one scale for the whole tensor.</summary>
    AbsmaxPerTensor,
    /// <summary>Absmax with one scale per row ("vector-wise", LLM.int8): the layout linear weights [out, in] want.</summary>
    AbsmaxPerRow,
    /// <summary>scale = 255 / (max - min), zero point shifting min to -128, one pair for the tensor.</summary>
    ZeroPointPerTensor,
}

/// <summary>
/// int8 values [rows, cols] with their scales (f32). Absmax: x ≈ q / Scales[row or 0] where Scales holds 127 / max|x|
/// (the factor the values were multiplied by; 1 for an all-zero row). Zero point: x ≈ (q - ZeroPoints[0]) / Scales[0]
/// with ZeroPoints an i32 [1].
/// </summary>
public sealed record Int8Tensor(Tensor Values, Tensor Scales, Tensor? ZeroPoints, Int8Scheme Scheme) : IDisposable
{
    public Shape Shape => Values.Shape;

    public void Dispose()
    {
        Values.Dispose();
        Scales.Dispose();
        ZeroPoints?.Dispose();
    }
}

/// <summary>A weight for <see cref="IBackend.MatMulQuantized"/>: int8 with absmax scales, or a Q8_0/Q4_0 tensor.</summary>
public sealed class QuantizedWeight
{
    private QuantizedWeight(Int8Tensor? int8, Tensor? blocks)
    {
        Int8 = int8;
        Blocks = blocks;
    }

    public Int8Tensor? Int8 { get; }
    public Tensor? Blocks { get; }
    public Shape Shape => Int8?.Shape ?? Blocks!.Shape;

    public static implicit operator QuantizedWeight(Int8Tensor int8) =>
        int8.Scheme == Int8Scheme.ZeroPointPerTensor
            ? throw new ArgumentException("matmul takes absmax int8 weights; zero-point weights are for storage only")
            : new(int8, null);

    public static implicit operator QuantizedWeight(Tensor blocks) =>
        blocks.DType.IsBlockFormat()
            ? new(null, blocks)
            : throw new ArgumentException($"a quantised weight is q8_0, q4_0 or int8 with scales, not {blocks.DType.Name()}");
}
