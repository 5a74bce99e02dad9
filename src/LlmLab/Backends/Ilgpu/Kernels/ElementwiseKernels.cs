using ILGPU;
using ILGPU.Algorithms;

namespace LlmLab.Backends.Ilgpu.Kernels;

/// <summary>One thread per element; b repeats every b.Length elements (broadcast over leading axes).</summary>
internal static class ElementwiseKernels
{
    public static void Add(Index1D i, ArrayView<float> a, ArrayView<float> b, ArrayView<float> y) =>
        y[i] = a[i] + b[i % b.Length];

    public static void Mul(Index1D i, ArrayView<float> a, ArrayView<float> b, ArrayView<float> y) =>
        y[i] = a[i] * b[i % b.Length];

    public static void Scale(Index1D i, ArrayView<float> x, float factor, ArrayView<float> y) => y[i] = x[i] * factor;

    public static void Gelu(Index1D i, ArrayView<float> x, ArrayView<float> y)
    {
        float v = x[i];
        y[i] = 0.5f * v * (1f + Tanh(0.7978845608028654f * (v + 0.044715f * v * v * v)));
    }

    // XMath.Tanh fails CUDA's PTX JIT in ILGPU 1.5.3 (seen on an H200); exp of a non-positive argument cannot
    // overflow, and the absolute error (~1e-7) is what GELU's 0.5 x (1 + tanh) sees.
    private static float Tanh(float u)
    {
        float e = XMath.Exp(-2f * XMath.Abs(u));
        float t = (1f - e) / (1f + e);
        return u < 0f ? -t : t;
    }

    public static void Silu(Index1D i, ArrayView<float> x, ArrayView<float> y)
    {
        float v = x[i];
        y[i] = v / (1f + XMath.Exp(-v));
    }

    public static void Relu(Index1D i, ArrayView<float> x, ArrayView<float> y)
    {
        float v = x[i];
        y[i] = v < 0f ? 0f : v;
    }
}
