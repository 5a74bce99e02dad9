using ILGPU;
using ILGPU.Algorithms;

namespace LlmLab.Backends.Ilgpu.Kernels;

/// <summary>Activation gradients, one thread per element: dx = f'(x) dy (formulas as the cpu kernels').</summary>
internal static class ActivationBackwardKernels
{
    /// <summary>GELU' with 1 + tanh(u) and 1 - tanh(u)^2 formed from e = exp(-2|u|) without cancelling (see the cpu kernel).</summary>
    public static void Gelu(Index1D i, ArrayView<float> x, ArrayView<float> dy, ArrayView<float> dx)
    {
        float v = x[i];
        float u = 0.7978845608028654f * (v + 0.044715f * v * v * v);
        float e = XMath.Exp(-2f * XMath.Abs(u));
        float inverse = 1f / (1f + e);
        float onePlusT = 2f * (u < 0f ? e : 1f) * inverse;
        float oneMinusT2 = 4f * e * inverse * inverse;
        float du = 0.7978845608028654f * (1f + 3f * 0.044715f * v * v);
        dx[i] = (0.5f * onePlusT + 0.5f * v * oneMinusT2 * du) * dy[i];
    }

    /// <summary>Exact GELU': Φ(x) + x φ(x), Φ(x) = 0.5 (1 + erf(x/√2)), φ(x) = exp(-x²/2)/√(2π).</summary>
    public static void GeluErf(Index1D i, ArrayView<float> x, ArrayView<float> dy, ArrayView<float> dx)
    {
        float v = x[i];
        float cdf = 0.5f * ElementwiseKernels.OnePlusErf(v * ErfPolynomials.InverseSqrt2);
        float density = ErfPolynomials.InverseSqrt2Pi * XMath.Exp(-0.5f * v * v);
        dx[i] = (cdf + v * density) * dy[i];
    }

    public static void Silu(Index1D i, ArrayView<float> x, ArrayView<float> dy, ArrayView<float> dx)
    {
        float v = x[i];
        float s = 1f / (1f + XMath.Exp(-v));
        dx[i] = s * (1f + v * (1f - s)) * dy[i];
    }

    public static void Relu(Index1D i, ArrayView<float> x, ArrayView<float> dy, ArrayView<float> dx) =>
        dx[i] = x[i] <= 0f ? 0f : dy[i];
}
