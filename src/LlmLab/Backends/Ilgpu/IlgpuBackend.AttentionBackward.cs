using LlmLab.Tensors;

namespace LlmLab.Backends.Ilgpu;

public sealed partial class IlgpuBackend
{
    public AttentionGradients AttentionBackward(Tensor query, Tensor key, Tensor value, Tensor output, Tensor gradOutput, AttentionOptions? options = null) => throw new NotImplementedException();
}
