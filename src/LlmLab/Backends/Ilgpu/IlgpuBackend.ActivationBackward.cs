using LlmLab.Tensors;

namespace LlmLab.Backends.Ilgpu;

public sealed partial class IlgpuBackend
{
    public Tensor GeluBackward(Tensor x, Tensor gradOutput) => throw new NotImplementedException();

    public Tensor SiluBackward(Tensor x, Tensor gradOutput) => throw new NotImplementedException();

    public Tensor ReluBackward(Tensor x, Tensor gradOutput) => throw new NotImplementedException();

    public Tensor SumLeading(Tensor x) => throw new NotImplementedException();
}
