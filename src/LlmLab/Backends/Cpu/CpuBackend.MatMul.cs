using LlmLab.Backends.Cpu.Kernels;
using LlmLab.Tensors;

namespace LlmLab.Backends.Cpu;

public sealed partial class CpuBackend
{
    /// <summary>
    /// Runs matmuls on the Vector256 micro-kernel even where Vector512 is hardware: the two give the same bits
    /// (tests check it), this only changes speed.
    /// </summary>
    internal bool MatMulVector256 { get; set; }

    public unsafe Tensor MatMul(Tensor a, Tensor b, bool transposeA = false, bool transposeB = false, Tensor? bias = null)
    {
        Check.SameBackend(this, a, b, bias);
        var d = Check.MatMul(a, b, transposeA, transposeB, bias);
        var c = NewF32Output(d.Output);
        int batch = d.Batch, m = d.M;
        // One weight for every batch and rows stored one after another: a single tall product packs B only once.
        if (d.SharedB && !transposeA && (long)m * batch <= int.MaxValue)
        {
            m *= batch;
            batch = 1;
        }
        fixed (float* pa = Span<float>(a), pb = Span<float>(b), pc = Span<float>(c))
        fixed (float* pbias = bias is null ? default : Span<float>(bias))
        {
            var aView = transposeA ? new StridedMatrix(pa, 1, d.M) : new StridedMatrix(pa, d.K, 1);
            var bView = transposeB ? new StridedMatrix(pb, 1, d.K) : new StridedMatrix(pb, d.N, 1);
            var segment = new GemmSegment(aView, bView, d.K, (long)d.M * d.K, d.SharedB ? 0 : (long)d.K * d.N);
            Gemm.Run(Parallel, new GemmProblem
            {
                Batch = batch,
                M = m,
                N = d.N,
                Segments = [segment],
                C = new StridedMatrix(pc, d.N, 1),
                CBatchStride = (long)d.M * d.N,
                Bias = pbias,
            }, MatMulVector256);
        }
        return c;
    }
}
