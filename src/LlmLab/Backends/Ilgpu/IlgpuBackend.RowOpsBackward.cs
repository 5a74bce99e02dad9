using LlmLab.Tensors;

namespace LlmLab.Backends.Ilgpu;

public sealed partial class IlgpuBackend
{
    public Tensor SoftmaxBackward(Tensor output, Tensor gradOutput) => throw new NotImplementedException();

    public Tensor LogSoftmaxBackward(Tensor output, Tensor gradOutput) => throw new NotImplementedException();

    public NormGradients LayerNormBackward(Tensor x, Tensor weight, Tensor gradOutput, float epsilon = 1e-5f) => throw new NotImplementedException();

    public NormGradients RmsNormBackward(Tensor x, Tensor weight, Tensor gradOutput, float epsilon = 1e-6f) => throw new NotImplementedException();

    public Tensor EmbeddingBackward(Tensor ids, Tensor gradOutput, int vocabularySize) => throw new NotImplementedException();

    public Tensor RopeBackward(Tensor gradOutput, Tensor positions, float theta = 10000f) => throw new NotImplementedException();

    public Tensor CrossEntropyBackward(Tensor logits, Tensor targets, Tensor gradLoss, int ignoreIndex = -100) => throw new NotImplementedException();
}
