using LlmLab.Tensors;

namespace LlmLab.Backends.Cpu;

public sealed partial class CpuBackend
{
    public Tensor GeluBackward(Tensor x, Tensor gradOutput) => throw new NotImplementedException();

    public Tensor SiluBackward(Tensor x, Tensor gradOutput) => throw new NotImplementedException();

    public Tensor ReluBackward(Tensor x, Tensor gradOutput) => throw new NotImplementedException();

    public Tensor SumLeading(Tensor x) => throw new NotImplementedException();
}
