using LlmLab.Backends;

namespace LlmLab.Autograd;

public sealed partial class Tape
{
    /// <summary>
    /// y = x Wᵀ + bias with W quantised (<see cref="IBackend.MatMulQuantized"/>). The rounded weight is frozen: in
    /// training (QLoRA) gradients flow through it to x (dx = dY W, W dequantised for that product only) and to a bias
    /// that trains, never to W.
    /// </summary>
    public Variable QuantizedLinear(Variable x, QuantizedWeight weight, Variable? bias)
    {
        var output = Backend.MatMulQuantized(x.Data, weight, bias?.Data);
        return Record(output, dY =>
        {
            var dY2 = dY.Reshape(-1, dY.Shape.Last);
            if (bias is { RequiresGrad: true }) Accumulate(bias, Backend.SumLeading(dY2));
            if (x.RequiresGrad) Accumulate(x, DequantizedProduct(dY2, weight).Reshape(x.Shape.ToArray()));
        }, bias is null ? [x] : [x, bias]);
    }
}
