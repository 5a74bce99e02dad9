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

    /// <summary>y [n] = the sum of the rows of x [.., n], in a fixed order.</summary>
    private void SumRows(Tensor x, Tensor y)
    {
        int n = x.Shape.Last;
        if (n == 0 || x.Shape.Rows == 0) return;
        var kernel = Kernel("sum-leading", acc => acc.LoadStreamKernel<ArrayView<float>, int, int, ArrayView<float>>(SumLeadingKernel.SumRows));
        kernel(new KernelConfig((n + SumLeadingKernel.Columns - 1) / SumLeadingKernel.Columns, SumLeadingKernel.GroupSize),
            View<float>(x), Rows(x), n, View<float>(y));
    }

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
