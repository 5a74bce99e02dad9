using LlmLab.Tensors;

namespace LlmLab.Backends.Cpu;

public sealed partial class CpuBackend
{
    public Tensor ApplyWarpers(Tensor logits, SamplingOptions options, Tensor? previousTokens = null) => throw new NotImplementedException();

    public Tensor Sample(Tensor logits, SamplingOptions options, Tensor? previousTokens, ulong seed, long step) => throw new NotImplementedException();

    public Tensor Argmax(Tensor logits) => throw new NotImplementedException();
}
