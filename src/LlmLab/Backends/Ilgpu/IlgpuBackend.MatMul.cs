using ILGPU;
using ILGPU.Runtime;
using LlmLab.Backends.Ilgpu.Kernels;
using LlmLab.Tensors;

namespace LlmLab.Backends.Ilgpu;

public sealed partial class IlgpuBackend
{
    public Tensor MatMul(Tensor a, Tensor b, bool transposeA = false, bool transposeB = false, Tensor? bias = null)
    {
        Check.SameBackend(this, a, b, bias);
        var d = Check.MatMul(a, b, transposeA, transposeB, bias);
        var c = NewF32(d.Output);
        if (c.ElementCount == 0) return c;
        var args = new MatMulArgs
        {
            M = d.M,
            N = d.N,
            K1 = d.K,
            A1Row = transposeA ? 1 : d.K,
            A1K = transposeA ? d.M : 1,
            A1Batch = (long)d.M * d.K,
            B1K = transposeB ? 1 : d.N,
            B1Col = transposeB ? d.K : 1,
            B1Batch = d.SharedB ? 0 : (long)d.K * d.N,
            Scale1 = 1f,
            CBatch = (long)d.M * d.N,
            HasBias = bias is null ? 0 : 1,
        };
        var av = View<float>(a);
        var bv = View<float>(b);
        LaunchMatMul(d.Batch, args, av, bv, av, bv, bias is null ? View<float>(c) : View<float>(bias), View<float>(c));
        return c;
    }

    /// <summary>The tiled kernel over a grid of 128 x 128 tiles of C per batch (segment 2 and bias as args say).</summary>
    internal void LaunchMatMul(int batch, MatMulArgs args, ArrayView<float> a1, ArrayView<float> b1, ArrayView<float> a2,
        ArrayView<float> b2, ArrayView<float> bias, ArrayView<float> c)
    {
        var kernel = Kernel("matmul", acc => acc.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>,
            ArrayView<float>, ArrayView<float>, ArrayView<float>, MatMulArgs>(MatMulKernels.MatMul));
        const int MaxGridZ = 65535;
        for (int start = 0; start < batch; start += MaxGridZ)
        {
            var grid = new Index3D(
                (args.N + MatMulKernels.Tile - 1) / MatMulKernels.Tile,
                (args.M + MatMulKernels.Tile - 1) / MatMulKernels.Tile,
                Math.Min(MaxGridZ, batch - start));
            kernel(new KernelConfig(grid, new Index3D(MatMulKernels.Threads, 1, 1)), a1, b1, a2, b2, bias, c, args with { BatchStart = start });
        }
    }
}
