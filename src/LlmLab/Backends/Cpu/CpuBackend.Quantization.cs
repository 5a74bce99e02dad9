using System.Runtime.InteropServices;
using LlmLab.Backends.Cpu.Kernels;
using LlmLab.Tensors;

namespace LlmLab.Backends.Cpu;

public sealed partial class CpuBackend
{
    // Work units for the per-tensor reductions: fixed, so the split never depends on the thread count (max and
    // min are exact in any order anyway).
    private const int ReductionChunks = 64;

    public Int8Tensor QuantizeInt8(Tensor x, Int8Scheme scheme)
    {
        Check.QuantizeInt8(x, scheme);
        Check.SameBackend(this, x);
        int rows = (int)x.Shape.Rows, cols = x.Shape.Last;
        var values = Tensor.Zeros(this, x.Shape, DType.I8);
        switch (scheme)
        {
            case Int8Scheme.AbsmaxPerRow:
            {
                var scales = NewF32(new Shape(rows));
                Parallel.For(rows, 3.0 * cols, (s, e) =>
                {
                    ReadOnlySpan<float> xs = Span<float>(x);
                    Span<sbyte> q = Span<sbyte>(values);
                    Span<float> scale = Span<float>(scales);
                    for (long r = s; r < e; r++)
                    {
                        var row = xs.Slice((int)r * cols, cols);
                        scale[(int)r] = Int8Absmax.Scale(Int8Absmax.MaxAbs(row));
                        Int8Absmax.Quantize(row, scale[(int)r], q.Slice((int)r * cols, cols));
                    }
                });
                return new Int8Tensor(values, scales, null, scheme);
            }
            case Int8Scheme.AbsmaxPerTensor:
            {
                float max = 0f;
                foreach (float m in ChunkResults(x, xs => Int8Absmax.MaxAbs(xs))) max = MathF.Max(max, m);
                float scale = Int8Absmax.Scale(max);
                Parallel.For(x.ElementCount, 2, (s, e) =>
                    Int8Absmax.Quantize(Span<float>(x)[(int)s..(int)e], scale, Span<sbyte>(values)[(int)s..(int)e]));
                return new Int8Tensor(values, Tensor.From(this, [scale], 1), null, scheme);
            }
            default:
            {
                float min = float.PositiveInfinity, max = float.NegativeInfinity;
                foreach (var (lo, hi) in ChunkResults(x, Int8ZeroPoint.Range))
                {
                    min = MathF.Min(min, lo);
                    max = MathF.Max(max, hi);
                }
                var (scale, zeroPoint) = Int8ZeroPoint.Parameters(min, max);
                Parallel.For(x.ElementCount, 2, (s, e) =>
                    Int8ZeroPoint.Quantize(Span<float>(x)[(int)s..(int)e], scale, zeroPoint, Span<sbyte>(values)[(int)s..(int)e]));
                return new Int8Tensor(values, Tensor.From(this, [scale], 1), Tensor.From(this, [zeroPoint], 1), scheme);
            }
        }
    }

    public Tensor Dequantize(Int8Tensor q)
    {
        Check.Int8Tensor(q, "dequantize");
        Check.SameBackend(this, q.Values, q.Scales, q.ZeroPoints);
        var y = NewF32(q.Shape);
        float[] scales = Span<float>(q.Scales).ToArray();
        if (q.Scheme == Int8Scheme.AbsmaxPerRow)
        {
            int cols = q.Shape.Last;
            Parallel.For(q.Shape.Rows, 2.0 * cols, (s, e) =>
            {
                for (long r = s; r < e; r++)
                    Int8Absmax.Dequantize(Span<sbyte>(q.Values).Slice((int)r * cols, cols), scales[r], Span<float>(y).Slice((int)r * cols, cols));
            });
        }
        else if (q.Scheme == Int8Scheme.AbsmaxPerTensor)
            Parallel.For(q.Values.ElementCount, 2, (s, e) =>
                Int8Absmax.Dequantize(Span<sbyte>(q.Values)[(int)s..(int)e], scales[0], Span<float>(y)[(int)s..(int)e]));
        else
        {
            int zeroPoint = Span<int>(q.ZeroPoints!)[0];
            Parallel.For(q.Values.ElementCount, 2, (s, e) =>
                Int8ZeroPoint.Dequantize(Span<sbyte>(q.Values)[(int)s..(int)e], scales[0], zeroPoint, Span<float>(y)[(int)s..(int)e]));
        }
        return y;
    }

    public Tensor QuantizeBlocks(Tensor x, DType format)
    {
        Check.QuantizeBlocks(x, format);
        Check.SameBackend(this, x);
        var q = Tensor.Zeros(this, x.Shape, format);
        long blocks = x.ElementCount / 32;
        int blockBytes = format.BlockBytes();
        Parallel.For(blocks, 32 * 6, (s, e) =>
        {
            var xs = Span<float>(x).Slice((int)s * 32, (int)(e - s) * 32);
            var bytes = Bytes(q).Slice((int)s * blockBytes, (int)(e - s) * blockBytes);
            if (format == DType.Q8_0) Q8_0.Quantize(xs, bytes);
            else Q4_0.Quantize(xs, bytes);
        });
        return q;
    }

    public Tensor DequantizeBlocks(Tensor q)
    {
        Check.BlockTensor(q, "dequantize_blocks");
        Check.SameBackend(this, q);
        var y = NewF32(q.Shape);
        long blocks = q.ElementCount / 32;
        int blockBytes = q.DType.BlockBytes();
        Parallel.For(blocks, 32 * 2, (s, e) =>
        {
            var bytes = Bytes(q).Slice((int)s * blockBytes, (int)(e - s) * blockBytes);
            var ys = Span<float>(y).Slice((int)s * 32, (int)(e - s) * 32);
            if (q.DType == DType.Q8_0) Q8_0.Dequantize(bytes, ys);
            else Q4_0.Dequantize(bytes, ys);
        });
        return y;
    }

    public Tensor EmbeddingQuantized(QuantizedWeight table, Tensor ids)
    {
        var values = table.Int8?.Values ?? table.Blocks!;
        Check.SameBackend(this, values, table.Int8?.Scales, ids);
        Check.EmbeddingQuantized(table, ids);
        long[] rows = Indices(ids);
        Check.IdsInRange<long>(rows, ids.Shape, table.Shape);
        int dim = table.Shape[1];
        var y = NewF32Output(new Shape([.. ids.Shape.ToArray(), dim]));
        if (y.ElementCount == 0) return y;
        int rowBytes = (int)values.DType.ByteCount(dim);
        float[]? scales = table.Int8?.Scales.ToArray<float>();
        Parallel.For(rows.Length, 2.0 * dim, (s, e) =>
        {
            ReadOnlySpan<byte> bytes = Bytes(values);
            Span<float> ys = Span<float>(y);
            for (long k = s; k < e; k++)
            {
                long id = rows[k];
                var source = bytes.Slice((int)(id * rowBytes), rowBytes);
                var row = ys.Slice((int)(k * dim), dim);
                if (values.DType == DType.Q8_0) Q8_0.Dequantize(source, row);
                else if (values.DType == DType.Q4_0) Q4_0.Dequantize(source, row);
                else Int8Absmax.Dequantize(MemoryMarshal.Cast<byte, sbyte>(source), scales![scales.Length == 1 ? 0 : id], row);
            }
        });
        return y;
    }

    public Tensor MatMulQuantized(Tensor x, QuantizedWeight weight, Tensor? bias = null)
    {
        var (rows, n, k) = Check.MatMulQuantized(x, weight, bias);
        var w = weight.Int8?.Values ?? weight.Blocks!;
        Check.SameBackend(this, x, w, weight.Int8?.Scales, bias);
        var y = NewF32(Check.WithLast(x.Shape, n));
        if (rows == 0 || n == 0) return y;
        int rowBytes = (int)(w.ByteLength / n);
        Tensor? scales = weight.Int8?.Scales;
        Parallel.For(n, 2.0 * rows * k, (s, e) =>
        {
            ReadOnlySpan<float> xs = Span<float>(x), sc = scales is null ? default : Span<float>(scales), b = bias is null ? default : Span<float>(bias);
            ReadOnlySpan<byte> ws = Bytes(w);
            Span<float> ys = Span<float>(y);
            switch (w.DType)
            {
                case DType.Q8_0:
                    QuantizedMatMul.Run<QuantizedMatMul.Q8_0Format>(xs, rows, k, ws, rowBytes, sc, b, ys, n, (int)s, (int)e);
                    break;
                case DType.Q4_0:
                    QuantizedMatMul.Run<QuantizedMatMul.Q4_0Format>(xs, rows, k, ws, rowBytes, sc, b, ys, n, (int)s, (int)e);
                    break;
                default:
                    QuantizedMatMul.Run<QuantizedMatMul.Int8Format>(xs, rows, k, ws, rowBytes, sc, b, ys, n, (int)s, (int)e);
                    break;
            }
        });
        return y;
    }

    /// <summary>Every count: the integer-dot tiles run prefill near the f32 GEMM's pace (docs/kernels.md).</summary>
    public int IntegerDotRows => int.MaxValue;

    public Tensor MatMulIntegerDot(Tensor x, Tensor weight, Tensor? bias = null)
    {
        var (rows, n, k) = Check.MatMulIntegerDot(x, weight, bias);
        Check.SameBackend(this, x, weight, bias);
        var y = NewF32(Check.WithLast(x.Shape, n));
        if (rows == 0 || n == 0) return y;
        var path = IntegerDotPaths.Best;
        bool q4 = weight.DType == DType.Q4_0;
        using var xq = Q8Activations.Quantize(Span<float>(x), rows, k, path, q4);
        Parallel.For(n, 2.0 * rows * k, (s, e) =>
            IntegerDotMatMul.Run(path, xq, Bytes(weight), q4, bias is null ? default : Span<float>(bias), Span<float>(y), n, (int)s, (int)e));
        return y;
    }

    /// <summary>f over <see cref="ReductionChunks"/> fixed slices of x, in parallel; results in slice order.</summary>
    private T[] ChunkResults<T>(Tensor x, Func<ReadOnlySpan<float>, T> f) where T : struct
    {
        long count = x.ElementCount;
        var results = new T[ReductionChunks];
        Parallel.For(ReductionChunks, Math.Max(1.0, count / (double)ReductionChunks), (s, e) =>
        {
            for (long c = s; c < e; c++)
            {
                long from = count * c / ReductionChunks, to = count * (c + 1) / ReductionChunks;
                results[c] = f(Span<float>(x)[(int)from..(int)to]);
            }
        });
        return results;
    }
}
