using LlmLab.Backends;

namespace LlmLab.Autograd;

public sealed partial class Tape
{
    /// <summary>
    /// y = x Wᵀ + bias with W quantised (<see cref="IBackend.MatMulQuantized"/>), on inference tapes only: a rounded
    /// weight has no gradient to take, and training through it (QLoRA) is not what this op is for.
    /// <paramref name="format"/> names the weight's format in the error.
    /// </summary>
    public Variable QuantizedLinear(Variable x, QuantizedWeight weight, Variable? bias, string format)
    {
        if (RecordsGradients)
            throw new InvalidOperationException(
                $"a linear layer with {format} weights {weight.Shape} runs inference only, and this tape records gradients (training): " +
                "train the f32 model and quantise it afterwards, or put its layers back to f32 first");
        return Record(Backend.MatMulQuantized(x.Data, weight, bias?.Data), null, x);
    }
}
