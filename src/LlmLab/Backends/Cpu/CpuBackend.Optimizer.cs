using LlmLab.Tensors;

namespace LlmLab.Backends.Cpu;

public sealed partial class CpuBackend
{
    public void AddInPlace(Tensor destination, Tensor source, float scale = 1f) => throw new NotImplementedException();

    public Tensor SumOfSquares(Tensor x) => throw new NotImplementedException();

    public void AdamW(Tensor parameter, Tensor gradient, Tensor firstMoment, Tensor secondMoment, AdamWStep step) => throw new NotImplementedException();
}
