using ILGPU;
using ILGPU.Runtime;
using LlmLab.Backends.Ilgpu.Kernels;
using LlmLab.Tensors;

namespace LlmLab.Backends.Ilgpu;

/// <summary>Activation gradients (one thread per element) and the sum over leading axes (a grouped column sum, no atomics).</summary>
public sealed partial class IlgpuBackend
{
    public Tensor GeluBackward(Tensor x, Tensor gradOutput) => Gradient(x, gradOutput, "gelu-backward", ActivationBackwardKernels.Gelu);

    public Tensor GeluErfBackward(Tensor x, Tensor gradOutput) => Gradient(x, gradOutput, "gelu-erf-backward", ActivationBackwardKernels.GeluErf);

    public Tensor SiluBackward(Tensor x, Tensor gradOutput) => Gradient(x, gradOutput, "silu-backward", ActivationBackwardKernels.Silu);

    public Tensor ReluBackward(Tensor x, Tensor gradOutput) => Gradient(x, gradOutput, "relu-backward", ActivationBackwardKernels.Relu);

    public Tensor SumLeading(Tensor x)
    {
        Check.SameBackend(this, x);
        Check.SumLeading(x);
        var y = x.Shape.Rows == 0 ? NewF32(new Shape(x.Shape.Last)) : Output(new Shape(x.Shape.Last));
        SumRows(x, y);
        return y;
    }

    /// <summary>
    /// y [n] = the sum of the rows of x [.., n], in a fixed order: in chunks of rows when the columns alone give too
    /// few groups to fill the GPU (four a multiprocessor), at least <see cref="MinChunkRows"/> rows a chunk.
    /// </summary>
    private void SumRows(Tensor x, Tensor y)
    {
        int n = x.Shape.Last, rows = Rows(x);
        if (n == 0 || rows == 0) return;
        int columnGroups = (n + SumLeadingKernel.Columns - 1) / SumLeadingKernel.Columns;
        int target = 4 * Math.Max(1, Accelerator.NumMultiprocessors);
        int chunks = Math.Clamp((target + columnGroups - 1) / columnGroups, 1, Math.Max(1, rows / MinChunkRows));
        int chunkRows = (rows + chunks - 1) / chunks;
        chunks = (rows + chunkRows - 1) / chunkRows;
        var kernel = Kernel("sum-leading", acc => acc.LoadStreamKernel<ArrayView<float>, int, int, int, ArrayView<float>>(SumLeadingKernel.SumRows));
        var grid = new KernelConfig(new Index3D(columnGroups, chunks, 1), new Index3D(SumLeadingKernel.GroupSize, 1, 1));
        if (chunks == 1)
        {
            kernel(grid, View<float>(x), rows, n, chunkRows, View<float>(y));
            return;
        }
        using var chunkSums = Output(new Shape(chunks, n));
        kernel(grid, View<float>(x), rows, n, chunkRows, View<float>(chunkSums));
        var combine = Kernel("sum-leading.chunks", acc => acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, int, int, ArrayView<float>>(SumLeadingKernel.SumChunks));
        combine(n, View<float>(chunkSums), chunks, n, View<float>(y));
    }

    /// <summary>Rows a SumRows chunk takes at least: fewer, and the chunks' sums cost more than the parallelism gains.</summary>
    private const int MinChunkRows = 64;

    private Tensor Gradient(Tensor x, Tensor gradOutput, string op, Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>> body)
    {
        Check.SameBackend(this, x, gradOutput);
        Check.ActivationBackward(x, gradOutput, op);
        var dx = Output(x.Shape);
        if (x.ElementCount == 0) return dx;
        var kernel = Kernel(op, acc => acc.LoadAutoGroupedStreamKernel(body));
        kernel(Count(x.ElementCount, $"{op}'s elements"), View<float>(x), View<float>(gradOutput), View<float>(dx));
        return dx;
    }
}
