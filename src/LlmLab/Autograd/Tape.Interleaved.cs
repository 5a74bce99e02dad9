using LlmLab.Backends;
using LlmLab.Tensors;

namespace LlmLab.Autograd;

public sealed partial class Tape
{
    /// <summary>
    /// y = x Wᵀ + bias with W in the backend's inference layout (<see cref="IBackend.MatMulInterleaved"/>): the bits
    /// of <see cref="MatMul"/> on W stored [out, in]. Inference tapes only: the layout has no gradient.
    /// </summary>
    public Variable InterleavedLinear(Variable x, InterleavedWeight weight, Variable? bias)
    {
        InferenceOnly("interleaved_linear");
        return Record(Backend.MatMulInterleaved(x.Data, weight, bias?.Data), null);
    }

    /// <summary>Rows of a table in the inference layout picked by <paramref name="ids"/> (<see cref="IBackend.EmbeddingInterleaved"/>). Inference tapes only.</summary>
    public Variable InterleavedEmbedding(InterleavedWeight table, Tensor ids)
    {
        InferenceOnly("interleaved_embedding");
        return Record(Backend.EmbeddingInterleaved(table, ids), null);
    }

    private void InferenceOnly(string op)
    {
        if (RecordsGradients)
            throw new InvalidOperationException($"{op} is for inference tapes (recordGradients: false): a weight in the inference layout has no gradient");
    }
}
