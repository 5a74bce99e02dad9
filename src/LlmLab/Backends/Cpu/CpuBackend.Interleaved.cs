using LlmLab.Backends.Cpu.Kernels;
using LlmLab.Tensors;

namespace LlmLab.Backends.Cpu;

public sealed partial class CpuBackend
{
    public unsafe InterleavedWeight Interleave(Tensor weight)
    {
        Check.SameBackend(this, weight);
        Check.F32(weight, "interleave's weight");
        Check.Rank(weight, 2, "interleave's weight", "[out, in]");
        int n = weight.Shape[0], k = weight.Shape[1];
        // Zeroed: the last panel's padding rows must read as zeros.
        var data = NewF32(new Shape(Interleaved.Panels(n), Interleaved.Width * k));
        fixed (float* w = Span<float>(weight), dst = Span<float>(data))
            Interleaved.Pack(Parallel, w, n, k, dst);
        return new InterleavedWeight(data, weight.Shape);
    }

    public unsafe Tensor Deinterleave(InterleavedWeight weight)
    {
        Check.SameBackend(this, weight.Data);
        int n = weight.Shape[0], k = weight.Shape[1];
        var y = NewF32Output(weight.Shape);
        fixed (float* panels = Span<float>(weight.Data), dst = Span<float>(y))
            Interleaved.Unpack(Parallel, panels, n, k, dst);
        return y;
    }

    public unsafe Tensor MatMulInterleaved(Tensor x, InterleavedWeight weight, Tensor? bias = null)
    {
        var (rows, n, k) = Check.MatMulInterleaved(x, weight, bias);
        Check.SameBackend(this, x, weight.Data, bias);
        var y = NewF32Output(Check.WithLast(x.Shape, n));
        if (rows == 0 || n == 0) return y;
        fixed (float* a = Span<float>(x), panels = Span<float>(weight.Data), c = Span<float>(y))
        fixed (float* pbias = bias is null ? default : Span<float>(bias))
        {
            if (rows <= Interleaved.MaxRows)
                Interleaved.Gemv(Parallel, rows, n, k, a, k, panels, pbias, c, n);
            else
                Gemm.Run(Parallel, new GemmProblem
                {
                    Batch = 1,
                    M = rows,
                    N = n,
                    Segments = [new GemmSegment(new StridedMatrix(a, k, 1), new StridedMatrix(panels, 0, 0), k, bPanelStride: (long)Interleaved.Width * k)],
                    C = new StridedMatrix(c, n, 1),
                    Bias = pbias,
                }, MatMulVector256);
        }
        return y;
    }

    public unsafe Tensor EmbeddingInterleaved(InterleavedWeight table, Tensor ids)
    {
        Check.SameBackend(this, table.Data, ids);
        Check.Index(ids, "embedding_interleaved's ids");
        long[] rows = Indices(ids);
        Check.IdsInRange<long>(rows, ids.Shape, table.Shape);
        int dim = table.Shape[1];
        var y = NewF32Output(new Shape([.. ids.Shape.ToArray(), dim]));
        if (y.ElementCount == 0) return y;
        fixed (float* panels = Span<float>(table.Data), dst = Span<float>(y))
        {
            float* p = panels, d = dst;
            Parallel.For(rows.Length, dim, (s, e) =>
            {
                for (long i = s; i < e; i++) Interleaved.Row(p, dim, (int)rows[i], d + i * dim);
            });
        }
        return y;
    }
}
