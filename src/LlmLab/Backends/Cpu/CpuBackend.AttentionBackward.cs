using LlmLab.Tensors;

namespace LlmLab.Backends.Cpu;

public sealed partial class CpuBackend
{
    public AttentionGradients AttentionBackward(Tensor query, Tensor key, Tensor value, Tensor output, Tensor gradOutput, AttentionOptions? options = null) => throw new NotImplementedException();
}
