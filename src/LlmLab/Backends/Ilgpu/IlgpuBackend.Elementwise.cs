using ILGPU;
using ILGPU.Runtime;
using LlmLab.Backends.Ilgpu.Kernels;
using LlmLab.Tensors;

namespace LlmLab.Backends.Ilgpu;

public sealed partial class IlgpuBackend
{
    public Tensor Add(Tensor a, Tensor b) => Binary(a, b, "add", ElementwiseKernels.Add);
    public Tensor Mul(Tensor a, Tensor b) => Binary(a, b, "mul", ElementwiseKernels.Mul);

    public Tensor Scale(Tensor x, float factor)
    {
        Check.F32(x, "scale's input");
        var y = Output(x.Shape);
        if (x.ElementCount == 0) return y;
        var kernel = Kernel("scale", acc => acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, float, ArrayView<float>>(ElementwiseKernels.Scale));
        kernel((int)x.ElementCount, View<float>(x), factor, View<float>(y));
        return y;
    }

    public Tensor Gelu(Tensor x) => Unary(x, "gelu", ElementwiseKernels.Gelu);
    public Tensor GeluErf(Tensor x) => Unary(x, "gelu-erf", ElementwiseKernels.GeluErf);
    public Tensor Silu(Tensor x) => Unary(x, "silu", ElementwiseKernels.Silu);
    public Tensor Relu(Tensor x) => Unary(x, "relu", ElementwiseKernels.Relu);

    private Tensor Binary(Tensor a, Tensor b, string op, Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>> body)
    {
        Check.Broadcast(a, b, op);
        var y = Output(a.Shape);
        if (a.ElementCount == 0 || b.ElementCount == 0) return y;
        var kernel = Kernel(op, acc => acc.LoadAutoGroupedStreamKernel(body));
        kernel((int)a.ElementCount, View<float>(a), View<float>(b), View<float>(y));
        return y;
    }

    private Tensor Unary(Tensor x, string op, Action<Index1D, ArrayView<float>, ArrayView<float>> body)
    {
        Check.F32(x, $"{op}'s input");
        var y = Output(x.Shape);
        if (x.ElementCount == 0) return y;
        var kernel = Kernel(op, acc => acc.LoadAutoGroupedStreamKernel(body));
        kernel((int)x.ElementCount, View<float>(x), View<float>(y));
        return y;
    }
}
