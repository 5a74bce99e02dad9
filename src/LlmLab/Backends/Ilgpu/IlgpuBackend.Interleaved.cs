using LlmLab.Tensors;

namespace LlmLab.Backends.Ilgpu;

// The GPU's tiled matmul reads a weight [out, in] at full speed as it is, so the inference layout is a plain copy.
public sealed partial class IlgpuBackend
{
    public InterleavedWeight Interleave(Tensor weight)
    {
        Check.SameBackend(this, weight);
        Check.F32(weight, "interleave's weight");
        Check.Rank(weight, 2, "interleave's weight", "[out, in]");
        return new InterleavedWeight(weight.Clone(), weight.Shape);
    }

    public Tensor Deinterleave(InterleavedWeight weight)
    {
        Check.SameBackend(this, weight.Data);
        return weight.Data.Clone();
    }

    public Tensor MatMulInterleaved(Tensor x, InterleavedWeight weight, Tensor? bias = null)
    {
        Check.MatMulInterleaved(x, weight, bias);
        return MatMul(x, weight.Data, transposeB: true, bias: bias);
    }

    public Tensor EmbeddingInterleaved(InterleavedWeight table, Tensor ids) => Embedding(table.Data, ids);
}
