using ILGPU;
using ILGPU.Runtime;
using LlmLab.Backends.Ilgpu.Kernels;
using LlmLab.Tensors;

namespace LlmLab.Backends.Ilgpu;

public sealed partial class IlgpuBackend
{
    public Tensor Transpose(Tensor x, int axis0, int axis1)
    {
        Check.SameBackend(this, x);
        var d = Check.Transpose(x, axis0, axis1);
        var y = Output(d.Output);
        if (x.ElementCount == 0) return y;
        var kernel = Kernel("transpose", acc => acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, int, long, int, long>(TransposeKernel.SwapAxes));
        kernel((int)x.ElementCount, View<float>(x), View<float>(y), d.A, d.Middle, d.B, d.Inner);
        return y;
    }
}
