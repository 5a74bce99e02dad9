using LlmLab.Tensors;

namespace LlmLab.Backends.Cpu;

public sealed partial class CpuBackend
{
    public Tensor Softmax(Tensor x, Tensor? mask = null) => throw new NotImplementedException();

    public Tensor LogSoftmax(Tensor x, Tensor? mask = null) => throw new NotImplementedException();

    public Tensor LayerNorm(Tensor x, Tensor weight, Tensor? bias, float epsilon = 1e-5f) => throw new NotImplementedException();

    public Tensor RmsNorm(Tensor x, Tensor weight, float epsilon = 1e-6f) => throw new NotImplementedException();

    public Tensor Embedding(Tensor table, Tensor ids) => throw new NotImplementedException();

    public Tensor Rope(Tensor x, Tensor positions, float theta = 10000f) => throw new NotImplementedException();

    public Tensor CrossEntropy(Tensor logits, Tensor targets, int ignoreIndex = -100) => throw new NotImplementedException();
}
