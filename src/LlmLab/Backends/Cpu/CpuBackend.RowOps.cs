using System.Numerics;
using LlmLab.Backends.Cpu.Kernels;
using LlmLab.Tensors;

namespace LlmLab.Backends.Cpu;

/// <summary>
/// Row-wise ops: each row of the last axis is computed by one task from its inputs alone (kernels in Kernels/),
/// rows split statically over the threads, so the bits do not depend on the thread count.
/// </summary>
public sealed partial class CpuBackend
{
    public Tensor Softmax(Tensor x, Tensor? mask = null) => SoftmaxRows(x, mask, "softmax", Kernels.Softmax.Row);

    public Tensor LogSoftmax(Tensor x, Tensor? mask = null) => SoftmaxRows(x, mask, "log-softmax", Kernels.Softmax.LogRow);

    public Tensor LayerNorm(Tensor x, Tensor weight, Tensor? bias, float epsilon = 1e-5f)
    {
        Check.SameBackend(this, x, weight, bias);
        Check.Norm(x, weight, bias, epsilon, "layer-norm");
        var y = NewF32Output(x.Shape);
        int dim = x.Shape.Last;
        if (x.ElementCount == 0) return y;
        Parallel.For(x.Shape.Rows, dim * 8.0, (start, end) =>
        {
            var xs = Span<float>(x);
            var ys = Span<float>(y);
            var w = Span<float>(weight);
            var b = bias is null ? default : Span<float>(bias);
            for (long r = start; r < end; r++)
                Kernels.LayerNorm.Row(xs.Slice((int)(r * dim), dim), w, b, epsilon, ys.Slice((int)(r * dim), dim));
        });
        return y;
    }

    public Tensor RmsNorm(Tensor x, Tensor weight, float epsilon = 1e-6f)
    {
        Check.SameBackend(this, x, weight);
        Check.Norm(x, weight, null, epsilon, "rms-norm");
        var y = NewF32Output(x.Shape);
        int dim = x.Shape.Last;
        if (x.ElementCount == 0) return y;
        Parallel.For(x.Shape.Rows, dim * 5.0, (start, end) =>
        {
            var xs = Span<float>(x);
            var ys = Span<float>(y);
            var w = Span<float>(weight);
            for (long r = start; r < end; r++)
                Kernels.RmsNorm.Row(xs.Slice((int)(r * dim), dim), w, epsilon, ys.Slice((int)(r * dim), dim));
        });
        return y;
    }

    public Tensor Embedding(Tensor table, Tensor ids)
    {
        Check.SameBackend(this, table, ids);
        Check.Embedding(table, ids);
        int dim = table.Shape[1];
        var y = NewF32(new Shape([.. ids.Shape.ToArray(), dim]));
        if (ids.DType == DType.I32) Gather<int>(table, ids, y);
        else Gather<long>(table, ids, y);
        return y;
    }

    private void Gather<TId>(Tensor table, Tensor ids, Tensor y) where TId : unmanaged, IBinaryInteger<TId>
    {
        Check.IdsInRange<TId>(Span<TId>(ids), ids.Shape, table.Shape);
        int dim = table.Shape[1];
        if (y.ElementCount == 0) return;
        Parallel.For(ids.ElementCount, dim, (start, end) =>
            Kernels.Embedding.Gather<TId>(Span<float>(table), Span<TId>(ids), dim, start, end, Span<float>(y)));
    }

    public Tensor Rope(Tensor x, Tensor positions, float theta = 10000f)
    {
        Check.SameBackend(this, x, positions);
        Check.Rope(x, positions, theta);
        return Rotate(x, positions, theta, inverse: false);
    }

    /// <summary>Rotation by the rope angle, or by minus it (<paramref name="inverse"/>: the backward pass, sin negated).</summary>
    private Tensor Rotate(Tensor x, Tensor positions, float theta, bool inverse)
    {
        var y = NewF32(x.Shape);
        if (x.ElementCount == 0) return y;
        int heads = x.Shape[1], time = x.Shape[2], dim = x.Shape[3], half = dim / 2;
        bool perBatch = positions.Rank == 2;

        // cos/sin once per distinct (batch, time) position, shared by every head.
        ulong[] turns = RotaryAngles.TurnsPerPosition(dim, theta);
        int tableRows = (int)positions.ElementCount;
        var cos = new float[tableRows * half];
        var sin = new float[tableRows * half];
        Parallel.For(tableRows, half * 40.0, (start, end) =>
        {
            var p = Span<int>(positions);
            for (long r = start; r < end; r++)
            {
                RotaryAngles.CosSin(p[(int)r], turns, cos.AsSpan((int)(r * half), half), sin.AsSpan((int)(r * half), half));
                if (inverse) System.Numerics.Tensors.TensorPrimitives.Negate(sin.AsSpan((int)(r * half), half), sin.AsSpan((int)(r * half), half));
            }
        });

        Parallel.For(x.Shape.Rows, dim * 3.0, (start, end) =>
        {
            var xs = Span<float>(x);
            var ys = Span<float>(y);
            for (long r = start; r < end; r++)
            {
                long batch = r / ((long)heads * time), t = r % time;
                int at = (int)((perBatch ? batch * time + t : t) * half);
                Kernels.Rope.Row(xs.Slice((int)(r * dim), dim), cos.AsSpan(at, half), sin.AsSpan(at, half), ys.Slice((int)(r * dim), dim));
            }
        });
        return y;
    }

    public Tensor CrossEntropy(Tensor logits, Tensor targets, int ignoreIndex = -100)
    {
        Check.SameBackend(this, logits, targets);
        Check.CrossEntropy(logits, targets);
        long[] target = targets.DType == DType.I32 ? Targets<int>(targets, ignoreIndex, logits.Shape) : Targets<long>(targets, ignoreIndex, logits.Shape);
        var loss = NewF32(new Shape(logits.Shape[0]));
        int classes = logits.Shape[1];
        Parallel.For(target.Length, classes * 12.0, (start, end) =>
        {
            var x = Span<float>(logits);
            var l = Span<float>(loss);
            for (long r = start; r < end; r++)
                l[(int)r] = target[r] == ignoreIndex ? 0f : Kernels.CrossEntropy.Row(x.Slice((int)(r * classes), classes), (int)target[r]);
        });
        return loss;
    }

    private long[] Targets<T>(Tensor targets, int ignoreIndex, Shape logitsShape) where T : unmanaged, IBinaryInteger<T>
    {
        Check.TargetsInRange<T>(Span<T>(targets), ignoreIndex, logitsShape);
        return Indices(targets);
    }

    private delegate void SoftmaxRow(ReadOnlySpan<float> x, ReadOnlySpan<int> keep, Span<float> y);

    private Tensor SoftmaxRows(Tensor x, Tensor? mask, string op, SoftmaxRow row)
    {
        Check.SameBackend(this, x, mask);
        Check.Softmax(x, mask, op);
        var y = NewF32(x.Shape);
        int dim = x.Shape.Last;
        if (x.ElementCount == 0) return y;
        long maskRows = mask is null ? 0 : mask.ElementCount / dim; // the mask repeats over the leading axes
        Parallel.For(x.Shape.Rows, dim * 30.0, (start, end) =>
        {
            var xs = Span<float>(x);
            var ys = Span<float>(y);
            var keep = mask is null ? default : Span<int>(mask);
            for (long r = start; r < end; r++)
                row(xs.Slice((int)(r * dim), dim),
                    mask is null ? default : keep.Slice((int)(r % maskRows * dim), dim),
                    ys.Slice((int)(r * dim), dim));
        });
        return y;
    }
}
