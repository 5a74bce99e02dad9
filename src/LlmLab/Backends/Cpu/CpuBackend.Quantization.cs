using LlmLab.Tensors;

namespace LlmLab.Backends.Cpu;

public sealed partial class CpuBackend
{
    public Int8Tensor QuantizeInt8(Tensor x, Int8Scheme scheme) => throw new NotImplementedException();

    public Tensor Dequantize(Int8Tensor q) => throw new NotImplementedException();

    public Tensor QuantizeBlocks(Tensor x, DType format) => throw new NotImplementedException();

    public Tensor DequantizeBlocks(Tensor q) => throw new NotImplementedException();

    public Tensor MatMulQuantized(Tensor x, QuantizedWeight weight, Tensor? bias = null) => throw new NotImplementedException();
}
