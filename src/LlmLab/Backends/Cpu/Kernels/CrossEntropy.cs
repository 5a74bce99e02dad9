using System.Runtime.CompilerServices;
namespace LlmLab.Backends.Cpu.Kernels;

/// <summary>
/// Cross-entropy of one row of logits against a class: logsumexp(row) - row[target], computed as
/// log(sum exp(row - max)) - (row[target] - max) so logits of any size neither overflow nor lose the small terms.
/// </summary>
internal static class CrossEntropy
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float Row(ReadOnlySpan<float> logits, int target)
    {
        float max = SimdMath.Max(logits);
        float sum = RowExp.SumExp(logits, default, max, default);
        return Numerics.ManagedMath.Log(sum) - (logits[target] - max);
    }

    /// <summary>dlogits = (softmax(logits) - onehot(target)) gradLoss, the softmax as <see cref="Softmax.Row"/> computes it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void BackwardRow(ReadOnlySpan<float> logits, int target, float gradLoss, Span<float> dlogits)
    {
        float max = SimdMath.Max(logits);
        float sum = RowExp.SumExp(logits, default, max, dlogits);
        System.Numerics.Tensors.TensorPrimitives.Multiply(dlogits, 1f / sum, dlogits);
        dlogits[target] -= 1f;
        System.Numerics.Tensors.TensorPrimitives.Multiply(dlogits, gradLoss, dlogits);
    }
}
