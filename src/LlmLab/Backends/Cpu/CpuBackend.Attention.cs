using LlmLab.Tensors;

namespace LlmLab.Backends.Cpu;

public sealed partial class CpuBackend
{
    public Tensor Attention(Tensor query, Tensor key, Tensor value, AttentionOptions? options = null) => throw new NotImplementedException();
}
