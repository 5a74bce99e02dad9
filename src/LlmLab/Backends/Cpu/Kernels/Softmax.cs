using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
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
        float logSum = Numerics.ManagedMath.Log(RowExp.SumExp(x, keep, max, default));
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

    /// <summary>Softmax backward from the output y: dx = y (dy - sum(dy y)). Masked entries (y = 0) get 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void BackwardRow(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx)
    {
        float s = BlockedSum.Dot(dy, y);
        TensorPrimitives.Subtract(dy, s, dx);
        TensorPrimitives.Multiply(dx, y, dx);
    }

    /// <summary>
    /// Log-softmax backward from the output: dx = dy - exp(output) sum(dy). Entries whose output is -infinity (masked)
    /// are constants of the forward: they get 0 and add nothing to the sum, so a fully masked row is all 0.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void LogBackwardRow(ReadOnlySpan<float> output, ReadOnlySpan<float> dy, Span<float> dx)
    {
        var negativeInfinity = Vector256.Create(float.NegativeInfinity);
        int i = 0;
        for (; i <= dy.Length - 8; i += 8)
            Vector256.ConditionalSelect(Vector256.Equals(Vector256.Create(output.Slice(i, 8)), negativeInfinity), Vector256<float>.Zero,
                Vector256.Create(dy.Slice(i, 8))).CopyTo(dx.Slice(i, 8));
        for (; i < dy.Length; i++)
            dx[i] = output[i] == float.NegativeInfinity ? 0f : dy[i];
        var s = Vector256.Create(BlockedSum.Sum(dx));
        i = 0;
        for (; i <= dy.Length - 8; i += 8)
            Vector256.FusedMultiplyAdd(-SimdMath.Exp(Vector256.Create(output.Slice(i, 8))), s, Vector256.Create(dx.Slice(i, 8))).CopyTo(dx.Slice(i, 8));
        if (i < dy.Length)
        {
            // Padded into one vector, so the tail takes the same exp as the loop.
            Span<float> po = stackalloc float[8], pd = stackalloc float[8];
            po.Fill(float.NegativeInfinity);
            pd.Clear();
            output[i..].CopyTo(po);
            dx[i..].CopyTo(pd);
            Vector256.FusedMultiplyAdd(-SimdMath.Exp(Vector256.Create(po)), s, Vector256.Create(pd)).CopyTo(pd);
            pd[..(dy.Length - i)].CopyTo(dx[i..]);
        }
    }
}
