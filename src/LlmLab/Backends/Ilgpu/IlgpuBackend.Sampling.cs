using LlmLab.Tensors;

namespace LlmLab.Backends.Ilgpu;

public sealed partial class IlgpuBackend
{
    public Tensor ApplyWarpers(Tensor logits, SamplingOptions options, Tensor? previousTokens = null) => throw new NotImplementedException();

    public Tensor Sample(Tensor logits, SamplingOptions options, Tensor? previousTokens, ulong seed, long step) => throw new NotImplementedException();

    public Tensor Argmax(Tensor logits) => throw new NotImplementedException();
}
