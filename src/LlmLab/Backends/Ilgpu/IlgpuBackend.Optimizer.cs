using ILGPU;
using ILGPU.Runtime;
using LlmLab.Backends.Ilgpu.Kernels;
using LlmLab.Tensors;

namespace LlmLab.Backends.Ilgpu;

/// <summary>
/// Optimizer ops: in-place grid-stride kernels for AddInPlace and AdamW (the scalars of <see cref="AdamWScalars"/>
/// computed on the host), and a two-pass fixed-order sum of squares (<see cref="OptimizerKernels"/>).
/// </summary>
public sealed partial class IlgpuBackend
{
    public void AddInPlace(Tensor destination, Tensor source, float scale = 1f)
    {
        Check.SameBackend(this, destination, source);
        Check.AddInPlace(destination, source, scale);
        if (destination.ElementCount == 0) return;
        var kernel = Kernel("add-in-place", acc => acc.LoadStreamKernel<ArrayView<float>, ArrayView<float>, float>(OptimizerKernels.ScaledAdd));
        kernel(new KernelConfig(OptimizerKernels.Groups(destination.ElementCount), OptimizerKernels.Threads),
            View<float>(destination), View<float>(source), scale);
    }

    public Tensor SumOfSquares(Tensor x)
    {
        Check.SameBackend(this, x);
        Check.F32(x, "sum-of-squares' input");
        if (x.ElementCount == 0) return NewF32(new Shape(1));
        var y = Output(new Shape(1));
        long chunks = (x.ElementCount + OptimizerKernels.Chunk - 1) / OptimizerKernels.Chunk;
        using var partials = Output(new Shape((int)chunks));
        var pass1 = Kernel("sum-of-squares.partials", acc => acc.LoadStreamKernel<ArrayView<float>, ArrayView<float>>(OptimizerKernels.SquaresPartials));
        pass1(new KernelConfig((int)chunks, OptimizerKernels.Threads), View<float>(x), View<float>(partials));
        var pass2 = Kernel("sum-of-squares.total", acc => acc.LoadStreamKernel<ArrayView<float>, ArrayView<float>>(OptimizerKernels.SquaresTotal));
        pass2(new KernelConfig(1, OptimizerKernels.Threads), View<float>(partials), View<float>(y));
        return y;
    }

    public void AdamW(Tensor parameter, Tensor gradient, Tensor firstMoment, Tensor secondMoment, AdamWStep step)
    {
        Check.SameBackend(this, parameter, gradient, firstMoment, secondMoment);
        Check.AdamW(parameter, gradient, firstMoment, secondMoment, step);
        if (parameter.ElementCount == 0) return;
        var kernel = Kernel("adamw", acc => acc.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, AdamWScalars>(OptimizerKernels.AdamW));
        kernel(new KernelConfig(OptimizerKernels.Groups(parameter.ElementCount), OptimizerKernels.Threads),
            View<float>(parameter), View<float>(gradient), View<float>(firstMoment), View<float>(secondMoment), AdamWScalars.From(step));
    }
}
