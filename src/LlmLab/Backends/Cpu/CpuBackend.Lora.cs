using LlmLab.Backends.Cpu.Kernels;
using LlmLab.Tensors;

namespace LlmLab.Backends.Cpu;

public sealed partial class CpuBackend
{
    /// <summary>
    /// y = x W^T + bias + scale (x A^T) B^T in one pass over y: first the small xa = x A^T [rows, r], then one GEMM
    /// whose k runs over in + r, with operands [x | xa] and [W | scale B], so the update costs r more k steps.
    /// </summary>
    public unsafe Tensor LoraLinear(Tensor x, Tensor weight, Tensor? bias, Tensor loraA, Tensor loraB, float scale)
    {
        Check.SameBackend(this, x, weight, bias, loraA, loraB);
        var d = Check.LoraLinear(x, weight, bias, loraA, loraB);
        var y = NewF32(x.Shape.With(-1, d.Out));
        var xa = GC.AllocateUninitializedArray<float>(d.Rows * d.Rank);
        fixed (float* px = Span<float>(x), pw = Span<float>(weight), pa = Span<float>(loraA), pb = Span<float>(loraB), py = Span<float>(y), pxa = xa)
        fixed (float* pbias = bias is null ? default : Span<float>(bias))
        {
            var xView = new StridedMatrix(px, d.In, 1);
            var xaView = new StridedMatrix(pxa, d.Rank, 1);
            Gemm.Run(Parallel, new GemmProblem
            {
                Batch = 1,
                M = d.Rows,
                N = d.Rank,
                Segments = [new GemmSegment(xView, new StridedMatrix(pa, 1, d.In), d.In)],
                C = xaView,
            }, MatMulVector256);
            Gemm.Run(Parallel, new GemmProblem
            {
                Batch = 1,
                M = d.Rows,
                N = d.Out,
                Segments =
                [
                    new GemmSegment(xView, new StridedMatrix(pw, 1, d.In), d.In),
                    new GemmSegment(xaView, new StridedMatrix(pb, 1, d.Rank), d.Rank, scaleB: scale),
                ],
                C = new StridedMatrix(py, d.Out, 1),
                Bias = pbias,
            }, MatMulVector256);
        }
        return y;
    }

    /// <summary>
    /// QLoRA: y = x Wᵀ + bias from the quantised kernel (<see cref="MatMulQuantized"/>), then xa = x Aᵀ and
    /// y += xa (scale B)ᵀ as a GEMM that adds to y: r more multiply-adds per output, a second pass over y.
    /// </summary>
    public unsafe Tensor LoraLinearQuantized(Tensor x, QuantizedWeight weight, Tensor? bias, Tensor loraA, Tensor loraB, float scale)
    {
        var d = Check.LoraLinearQuantized(x, weight, bias, loraA, loraB);
        Check.SameBackend(this, x, loraA, loraB);
        var y = MatMulQuantized(x, weight, bias);
        if (d.Rows == 0 || d.Out == 0) return y;
        var xa = GC.AllocateUninitializedArray<float>(d.Rows * d.Rank);
        fixed (float* px = Span<float>(x), pa = Span<float>(loraA), pb = Span<float>(loraB), py = Span<float>(y), pxa = xa)
        {
            var xaView = new StridedMatrix(pxa, d.Rank, 1);
            Gemm.Run(Parallel, new GemmProblem
            {
                Batch = 1,
                M = d.Rows,
                N = d.Rank,
                Segments = [new GemmSegment(new StridedMatrix(px, d.In, 1), new StridedMatrix(pa, 1, d.In), d.In)],
                C = xaView,
            }, MatMulVector256);
            Gemm.Run(Parallel, new GemmProblem
            {
                Batch = 1,
                M = d.Rows,
                N = d.Out,
                Segments = [new GemmSegment(xaView, new StridedMatrix(pb, 1, d.Rank), d.Rank, scaleB: scale)],
                C = new StridedMatrix(py, d.Out, 1),
                Accumulate = true,
            }, MatMulVector256);
        }
        return y;
    }

    /// <summary>W += scale B A in place: a GEMM whose sums start from W (k = r, scale applied as B is packed).</summary>
    public unsafe void LoraMerge(Tensor weight, Tensor loraA, Tensor loraB, float scale)
    {
        Check.SameBackend(this, weight, loraA, loraB);
        var d = Check.LoraMerge(weight, loraA, loraB);
        fixed (float* pw = Span<float>(weight), pa = Span<float>(loraA), pb = Span<float>(loraB))
            Gemm.Run(Parallel, new GemmProblem
            {
                Batch = 1,
                M = d.Out,
                N = d.In,
                Segments = [new GemmSegment(new StridedMatrix(pb, d.Rank, 1), new StridedMatrix(pa, d.In, 1), d.Rank, scaleA: scale)],
                C = new StridedMatrix(pw, d.In, 1),
                Accumulate = true,
            }, MatMulVector256);
    }
}
