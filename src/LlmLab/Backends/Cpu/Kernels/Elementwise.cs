using System.Runtime.Intrinsics;

namespace LlmLab.Backends.Cpu.Kernels;

/// <summary>Elementwise kernels over spans. Activations go through <see cref="SimdMath.Map{TOp}"/> so tails take the vector path.</summary>
internal static class Elementwise
{
    /// <summary>y = a + b, with b repeating every b.Length elements (broadcast over leading axes).</summary>
    public static void Add(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> y, long start)
    {
        for (int i = 0; i < a.Length;)
        {
            int j = (int)((start + i) % b.Length);
            int n = Math.Min(a.Length - i, b.Length - j);
            System.Numerics.Tensors.TensorPrimitives.Add(a.Slice(i, n), b.Slice(j, n), y.Slice(i, n));
            i += n;
        }
    }

    public static void Mul(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> y, long start)
    {
        for (int i = 0; i < a.Length;)
        {
            int j = (int)((start + i) % b.Length);
            int n = Math.Min(a.Length - i, b.Length - j);
            System.Numerics.Tensors.TensorPrimitives.Multiply(a.Slice(i, n), b.Slice(j, n), y.Slice(i, n));
            i += n;
        }
    }

    public readonly struct Gelu : SimdMath.IUnaryOp
    {
        public static Vector256<float> Invoke(Vector256<float> x)
        {
            // 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
            var inner = Vector256.Create(0.7978845608028654f) * Vector256.FusedMultiplyAdd(Vector256.Create(0.044715f) * x, x * x, x);
            return Vector256.Create(0.5f) * x * (Vector256<float>.One + SimdMath.Tanh(inner));
        }
    }

    public readonly struct Silu : SimdMath.IUnaryOp
    {
        public static Vector256<float> Invoke(Vector256<float> x) => x * SimdMath.Sigmoid(x);
    }

    public readonly struct Relu : SimdMath.IUnaryOp
    {
        // Max(x, 0) would turn NaN into 0; keep NaN visible so a diverging run is noticed.
        public static Vector256<float> Invoke(Vector256<float> x) =>
            Vector256.ConditionalSelect(Vector256.LessThan(x, Vector256<float>.Zero), Vector256<float>.Zero, x);
    }
}
