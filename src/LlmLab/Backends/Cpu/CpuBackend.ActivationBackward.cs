using LlmLab.Backends.Cpu.Kernels;
using LlmLab.Tensors;

namespace LlmLab.Backends.Cpu;

/// <summary>Activation gradients (elementwise, split over threads) and the sum over leading axes (split over columns).</summary>
public sealed partial class CpuBackend
{
    public Tensor GeluBackward(Tensor x, Tensor gradOutput) => Gradient<Elementwise.GeluGradient>(x, gradOutput, "gelu-backward");

    public Tensor GeluErfBackward(Tensor x, Tensor gradOutput) => Gradient<Elementwise.GeluErfGradient>(x, gradOutput, "gelu-erf-backward");

    public Tensor SiluBackward(Tensor x, Tensor gradOutput) => Gradient<Elementwise.SiluGradient>(x, gradOutput, "silu-backward");

    public Tensor ReluBackward(Tensor x, Tensor gradOutput) => Gradient<Elementwise.ReluGradient>(x, gradOutput, "relu-backward");

    public Tensor SumLeading(Tensor x)
    {
        Check.SameBackend(this, x);
        Check.SumLeading(x);
        int n = x.Shape.Last;
        var y = NewF32(new Shape(n));
        SumRows(x, y);
        return y;
    }

    /// <summary>y [n] = the sum of the rows of x [.., n], each column in row order (any thread count, same bits).</summary>
    private void SumRows(Tensor x, Tensor y)
    {
        int n = x.Shape.Last;
        long rows = x.Shape.Rows;
        if (n == 0 || rows == 0) return;
        int tiles = (n + ColumnSum.Tile - 1) / ColumnSum.Tile;
        Parallel.For(tiles, (double)rows * Math.Min(n, ColumnSum.Tile), (start, end) =>
        {
            var xs = Span<float>(x);
            var ys = Span<float>(y);
            for (long t = start; t < end; t++)
            {
                int from = (int)t * ColumnSum.Tile, to = Math.Min(n, from + ColumnSum.Tile);
                ColumnSum.Sum(xs, rows, n, from, to, ys[from..to]);
            }
        });
    }

    private Tensor Gradient<TOp>(Tensor x, Tensor gradOutput, string op) where TOp : Elementwise.IGradientOp
    {
        Check.SameBackend(this, x, gradOutput);
        Check.ActivationBackward(x, gradOutput, op);
        var dx = NewF32Output(x.Shape);
        Parallel.For(x.ElementCount, 30, (s, e) =>
            Elementwise.MapGradient<TOp>(Span<float>(x)[(int)s..(int)e], Span<float>(gradOutput)[(int)s..(int)e], Span<float>(dx)[(int)s..(int)e]));
        return dx;
    }
}
