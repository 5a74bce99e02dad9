using LlmLab.Tensors;

namespace LlmLab.Backends.Cpu;

public sealed partial class CpuBackend
{
    public Tensor MatMul(Tensor a, Tensor b, bool transposeA = false, bool transposeB = false, Tensor? bias = null) => throw new NotImplementedException();
}
