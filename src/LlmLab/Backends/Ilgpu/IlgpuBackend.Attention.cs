using LlmLab.Tensors;

namespace LlmLab.Backends.Ilgpu;

public sealed partial class IlgpuBackend
{
    public Tensor Attention(Tensor query, Tensor key, Tensor value, AttentionOptions? options = null) => throw new NotImplementedException();
}
