using LlmLab.Tensors;

namespace LlmLab.Backends.Ilgpu;

public sealed partial class IlgpuBackend
{
    public Tensor LoraLinear(Tensor x, Tensor weight, Tensor? bias, Tensor loraA, Tensor loraB, float scale) => throw new NotImplementedException();

    public void LoraMerge(Tensor weight, Tensor loraA, Tensor loraB, float scale) => throw new NotImplementedException();
}
