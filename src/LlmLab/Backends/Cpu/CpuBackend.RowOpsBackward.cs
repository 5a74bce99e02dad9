using LlmLab.Backends.Cpu.Kernels;
using LlmLab.Tensors;

namespace LlmLab.Backends.Cpu;

/// <summary>
/// Backward passes of the row-wise ops. Input gradients are per row (rows split over threads, each from its inputs
/// alone). Parameter gradients that sum over rows (norm weight/bias, embedding rows) are summed in an order fixed by
/// the data, never by the thread count: norms add rows within fixed blocks of <see cref="NormRowBlock"/> rows, then
/// the blocks in order; embedding rows add their positions in ascending order.
/// </summary>
public sealed partial class CpuBackend
{
    /// <summary>Rows whose weight/bias contributions one task adds up before the blocks are summed in order.</summary>
    private const int NormRowBlock = 32;

    public Tensor SoftmaxBackward(Tensor output, Tensor gradOutput) =>
        SoftmaxBackwardRows(output, gradOutput, "softmax-backward", Kernels.Softmax.BackwardRow);

    public Tensor LogSoftmaxBackward(Tensor output, Tensor gradOutput) =>
        SoftmaxBackwardRows(output, gradOutput, "log-softmax-backward", Kernels.Softmax.LogBackwardRow);

    public NormGradients LayerNormBackward(Tensor x, Tensor weight, Tensor gradOutput, float epsilon = 1e-5f)
    {
        Check.SameBackend(this, x, weight, gradOutput);
        Check.NormBackward(x, weight, gradOutput, epsilon, "layer-norm-backward");
        return NormBackward(x, weight, gradOutput, epsilon, withBias: true);
    }

    public NormGradients RmsNormBackward(Tensor x, Tensor weight, Tensor gradOutput, float epsilon = 1e-6f)
    {
        Check.SameBackend(this, x, weight, gradOutput);
        Check.NormBackward(x, weight, gradOutput, epsilon, "rms-norm-backward");
        return NormBackward(x, weight, gradOutput, epsilon, withBias: false);
    }

    public Tensor EmbeddingBackward(Tensor ids, Tensor gradOutput, int vocabularySize)
    {
        Check.SameBackend(this, ids, gradOutput);
        Check.EmbeddingBackward(ids, gradOutput, vocabularySize);
        int dim = gradOutput.Shape.Last;
        var tableShape = new Shape(vocabularySize, dim);
        if (ids.DType == DType.I32) Check.IdsInRange<int>(Span<int>(ids), ids.Shape, tableShape);
        else Check.IdsInRange<long>(Span<long>(ids), ids.Shape, tableShape);
        var gradTable = NewF32(tableShape);
        if (ids.ElementCount == 0 || dim == 0) return gradTable;
        var (order, offsets) = Kernels.Embedding.PositionsById(Indices(ids), vocabularySize);
        Parallel.For(vocabularySize, Math.Max(1.0, (double)ids.ElementCount / vocabularySize) * dim, (start, end) =>
            Kernels.Embedding.Scatter(Span<float>(gradOutput), order, offsets, dim, start, end, Span<float>(gradTable)));
        return gradTable;
    }

    public Tensor RopeBackward(Tensor gradOutput, Tensor positions, float theta = 10000f)
    {
        Check.SameBackend(this, gradOutput, positions);
        Check.Rope(gradOutput, positions, theta);
        return Rotate(gradOutput, positions, theta, inverse: true);
    }

    public Tensor CrossEntropyBackward(Tensor logits, Tensor targets, Tensor gradLoss, int ignoreIndex = -100)
    {
        Check.SameBackend(this, logits, targets, gradLoss);
        Check.CrossEntropyBackward(logits, targets, gradLoss);
        long[] target = targets.DType == DType.I32 ? Targets<int>(targets, ignoreIndex, logits.Shape) : Targets<long>(targets, ignoreIndex, logits.Shape);
        var dlogits = NewF32(logits.Shape);
        int classes = logits.Shape[1];
        Parallel.For(target.Length, classes * 12.0, (start, end) =>
        {
            var x = Span<float>(logits);
            var g = Span<float>(gradLoss);
            var dx = Span<float>(dlogits);
            for (long r = start; r < end; r++)
                if (target[r] != ignoreIndex) // ignored rows stay 0
                    Kernels.CrossEntropy.BackwardRow(x.Slice((int)(r * classes), classes), (int)target[r], g[(int)r], dx.Slice((int)(r * classes), classes));
        });
        return dlogits;
    }

    private NormGradients NormBackward(Tensor x, Tensor weight, Tensor gradOutput, float epsilon, bool withBias)
    {
        int n = x.Shape.Last;
        long rows = x.Shape.Rows;
        var dx = NewF32Output(x.Shape);
        var dweight = NewF32(new Shape(n));
        var dbias = withBias ? NewF32(new Shape(n)) : null;
        if (rows == 0 || n == 0) return new NormGradients(dx, dweight, dbias);

        long blocks = (rows + NormRowBlock - 1) / NormRowBlock;
        var weightPartials = new float[blocks * n];
        var biasPartials = withBias ? new float[blocks * n] : [];
        Parallel.For(blocks, NormRowBlock * n * 12.0, (start, end) =>
        {
            var xhat = new float[n];
            var g = new float[n];
            var xs = Span<float>(x);
            var dys = Span<float>(gradOutput);
            var dxs = Span<float>(dx);
            var w = Span<float>(weight);
            for (long b = start; b < end; b++)
            {
                var wp = weightPartials.AsSpan((int)(b * n), n);
                for (long r = b * NormRowBlock; r < Math.Min(rows, (b + 1) * NormRowBlock); r++)
                {
                    var row = xs.Slice((int)(r * n), n);
                    var dy = dys.Slice((int)(r * n), n);
                    var d = dxs.Slice((int)(r * n), n);
                    if (withBias) Kernels.LayerNorm.BackwardRow(row, w, dy, epsilon, d, xhat, g, wp, biasPartials.AsSpan((int)(b * n), n));
                    else Kernels.RmsNorm.BackwardRow(row, w, dy, epsilon, d, xhat, g, wp);
                }
            }
        });
        SumBlocks(weightPartials, blocks, n, Span<float>(dweight));
        if (dbias is not null) SumBlocks(biasPartials, blocks, n, Span<float>(dbias));
        return new NormGradients(dx, dweight, dbias);
    }

    /// <summary>total = the sum of the rows of partials [blocks, n], in block order.</summary>
    private void SumBlocks(float[] partials, long blocks, int n, Span<float> total)
    {
        var result = new float[n];
        int tiles = (n + ColumnSum.Tile - 1) / ColumnSum.Tile;
        Parallel.For(tiles, (double)blocks * Math.Min(n, ColumnSum.Tile), (start, end) =>
        {
            for (long t = start; t < end; t++)
            {
                int from = (int)t * ColumnSum.Tile, to = Math.Min(n, from + ColumnSum.Tile);
                ColumnSum.Sum(partials, blocks, n, from, to, result.AsSpan(from, to - from));
            }
        });
        result.CopyTo(total);
    }

    private delegate void SoftmaxBackwardRow(ReadOnlySpan<float> output, ReadOnlySpan<float> dy, Span<float> dx);

    private Tensor SoftmaxBackwardRows(Tensor output, Tensor gradOutput, string op, SoftmaxBackwardRow row)
    {
        Check.SameBackend(this, output, gradOutput);
        Check.SoftmaxBackward(output, gradOutput, op);
        var dx = NewF32(output.Shape);
        int dim = output.Shape.Last;
        if (output.ElementCount == 0) return dx;
        Parallel.For(output.Shape.Rows, dim * 12.0, (start, end) =>
        {
            var ys = Span<float>(output);
            var dys = Span<float>(gradOutput);
            var dxs = Span<float>(dx);
            for (long r = start; r < end; r++)
                row(ys.Slice((int)(r * dim), dim), dys.Slice((int)(r * dim), dim), dxs.Slice((int)(r * dim), dim));
        });
        return dx;
    }
}
