using LlmLab.Backends.Cpu.Kernels;
using LlmLab.Tensors;

namespace LlmLab.Backends.Cpu;

/// <summary>
/// Optimizer ops: elementwise in place over static ranges (each element from its own inputs, so any thread count
/// gives the same bits), and a sum of squares over a fixed chunk partition reduced in index order.
/// </summary>
public sealed partial class CpuBackend
{
    public void AddInPlace(Tensor destination, Tensor source, float scale = 1f)
    {
        Check.SameBackend(this, destination, source);
        Check.AddInPlace(destination, source, scale);
        Parallel.For(destination.ElementCount, 1, (s, e) =>
            ScaledAdd.Run(Span<float>(destination)[(int)s..(int)e], Span<float>(source)[(int)s..(int)e], scale));
    }

    public Tensor SumOfSquares(Tensor x)
    {
        Check.SameBackend(this, x);
        Check.F32(x, "sum-of-squares' input");
        var partials = new float[ChunkedSquares.Chunks(x.ElementCount)];
        Parallel.For(partials.Length, 2.0 * ChunkedSquares.Chunk, (s, e) =>
            ChunkedSquares.Partials(Span<float>(x), s, partials.AsSpan((int)s, (int)(e - s))));
        var y = NewF32(new Shape(1));
        Span<float>(y)[0] = ChunkedSquares.Total(partials);
        return y;
    }

    public void AdamW(Tensor parameter, Tensor gradient, Tensor firstMoment, Tensor secondMoment, AdamWStep step)
    {
        Check.SameBackend(this, parameter, gradient, firstMoment, secondMoment);
        Check.AdamW(parameter, gradient, firstMoment, secondMoment, step);
        var scalars = AdamWScalars.From(step);
        Parallel.For(parameter.ElementCount, 12, (s, e) =>
        {
            var range = ((int)s)..((int)e);
            AdamWUpdate.Run(Span<float>(parameter)[range], Span<float>(gradient)[range],
                Span<float>(firstMoment)[range], Span<float>(secondMoment)[range], scalars);
        });
    }
}
