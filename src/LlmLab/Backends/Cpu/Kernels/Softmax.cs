using System.Runtime.CompilerServices;
using System.Numerics.Tensors;
using System.Runtime.Intrinsics;

namespace LlmLab.Backends.Cpu.Kernels;

/// <summary>
/// Softmax and log-softmax of one row with an optional keep-mask (empty = keep all). Entries the mask drops get 0
/// (softmax) or -infinity (log-softmax); a row with nothing kept (or only -infinity) is all 0 / all -infinity.
/// </summary>
internal static class Softmax
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Row(ReadOnlySpan<float> x, ReadOnlySpan<int> keep, Span<float> y)
    {
        float max = RowExp.Max(x, keep);
        if (max == float.NegativeInfinity)
        {
            y.Clear();
            return;
        }
        float sum = RowExp.SumExp(x, keep, max, y);
        TensorPrimitives.Multiply(y, 1f / sum, y);
    }

    /// <summary>log softmax = (x - max) - log(sum exp(x - max)): subtracting max first keeps large logits exact.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void LogRow(ReadOnlySpan<float> x, ReadOnlySpan<int> keep, Span<float> y)
    {
        float max = RowExp.Max(x, keep);
        if (max == float.NegativeInfinity)
        {
            y.Fill(float.NegativeInfinity);
            return;
        }
        float logSum = SimdMath.Log(RowExp.SumExp(x, keep, max, default));
        var m = Vector256.Create(max);
        var l = Vector256.Create(logSum);
        var negativeInfinity = Vector256.Create(float.NegativeInfinity);
        int i = 0;
        for (; i <= x.Length - 8; i += 8)
        {
            var v = Vector256.Create(x.Slice(i, 8)) - m - l;
            if (!keep.IsEmpty)
                v = Vector256.ConditionalSelect(Vector256.Equals(Vector256.Create(keep.Slice(i, 8)), Vector256<int>.Zero).AsSingle(), negativeInfinity, v);
            v.CopyTo(y.Slice(i, 8));
        }
        for (; i < x.Length; i++)
            y[i] = keep.IsEmpty || keep[i] != 0 ? x[i] - max - logSum : float.NegativeInfinity;
    }
}
