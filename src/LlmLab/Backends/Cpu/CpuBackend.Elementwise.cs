using LlmLab.Backends.Cpu.Kernels;
using LlmLab.Tensors;

namespace LlmLab.Backends.Cpu;

public sealed partial class CpuBackend
{
    public Tensor Add(Tensor a, Tensor b) => Binary(a, b, "add", Elementwise.Add);
    public Tensor Mul(Tensor a, Tensor b) => Binary(a, b, "mul", Elementwise.Mul);

    public Tensor Scale(Tensor x, float factor)
    {
        Check.F32(x, "scale's input");
        var y = NewF32Output(x.Shape);
        Parallel.For(x.ElementCount, 1, (s, e) =>
            System.Numerics.Tensors.TensorPrimitives.Multiply(Span<float>(x)[(int)s..(int)e], factor, Span<float>(y)[(int)s..(int)e]));
        return y;
    }

    public Tensor Gelu(Tensor x) => Unary<Elementwise.Gelu>(x, "gelu");
    public Tensor GeluErf(Tensor x) => Unary<Elementwise.GeluErf>(x, "gelu-erf");
    public Tensor Silu(Tensor x) => Unary<Elementwise.Silu>(x, "silu");
    public Tensor Relu(Tensor x) => Unary<Elementwise.Relu>(x, "relu");

    private delegate void BinaryKernel(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> y, long start);

    private Tensor Binary(Tensor a, Tensor b, string op, BinaryKernel kernel)
    {
        Check.Broadcast(a, b, op);
        var y = NewF32Output(a.Shape);
        if (b.ElementCount == 0) return y;
        Parallel.For(a.ElementCount, 1, (s, e) =>
            kernel(Span<float>(a)[(int)s..(int)e], Span<float>(b), Span<float>(y)[(int)s..(int)e], s));
        return y;
    }

    private Tensor Unary<TOp>(Tensor x, string op) where TOp : SimdMath.IUnaryOp
    {
        Check.F32(x, $"{op}'s input");
        var y = NewF32Output(x.Shape);
        Parallel.For(x.ElementCount, 20, (s, e) =>
            SimdMath.Map<TOp>(Span<float>(x)[(int)s..(int)e], Span<float>(y)[(int)s..(int)e]));
        return y;
    }
}
