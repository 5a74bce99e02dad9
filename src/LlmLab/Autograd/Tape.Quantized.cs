using LlmLab.Backends;
using LlmLab.Tensors;

namespace LlmLab.Autograd;

public sealed partial class Tape
{
    /// <summary>
    /// y = x Wᵀ + bias with W quantised: on an inference tape with a Q8_0/Q4_0 weight, x quantised to Q8_0 too and
    /// integer dot products summed (<see cref="IBackend.MatMulIntegerDot"/>, as ggml computes it; up to the backend's
    /// <see cref="IBackend.IntegerDotRows"/>), else x kept in f32 (<see cref="IBackend.MatMulQuantized"/>). The rounded
    /// weight is frozen: in training (QLoRA) gradients flow through it to x (dx = dY W, W dequantised for that
    /// product only) and to a bias that trains, never to W.
    /// </summary>
    public Variable QuantizedLinear(Variable x, QuantizedWeight weight, Variable? bias)
    {
        if (IntegerDotWeight(x, weight) is { } blocks)
            return Record(Backend.MatMulIntegerDot(x.Data, blocks, bias?.Data), null, bias is null ? [x] : [x, bias]);
        var output = Backend.MatMulQuantized(x.Data, weight, bias?.Data);
        return Record(output, dY =>
        {
            var dY2 = dY.Reshape(-1, dY.Shape.Last);
            if (bias is { RequiresGrad: true }) Accumulate(bias, Backend.SumLeading(dY2));
            if (x.RequiresGrad) Accumulate(x, DequantizedProduct(dY2, weight).Reshape(x.Shape.ToArray()));
        }, bias is null ? [x] : [x, bias]);
    }

    /// <summary>
    /// Rows of a quantised embedding table picked by <paramref name="ids"/>, dequantised
    /// (<see cref="IBackend.EmbeddingQuantized"/>). The table is frozen: it gets no gradient.
    /// </summary>
    public Variable QuantizedEmbedding(QuantizedWeight table, Tensor ids) => Record(Backend.EmbeddingQuantized(table, ids), null);

    /// <summary>The block weight when x Wᵀ takes integer dots here (see <see cref="QuantizedLinear"/>), else null.</summary>
    private Tensor? IntegerDotWeight(Variable x, QuantizedWeight weight) =>
        !RecordsGradients && weight.Blocks is { } blocks && x.Data.Shape.Rows <= Backend.IntegerDotRows ? blocks : null;
}
