using ILGPU;
using ILGPU.Algorithms;

namespace LlmLab.Backends.Ilgpu.Kernels;

/// <summary>Activation gradients, one thread per element: dx = f'(x) dy (formulas as the cpu kernels').</summary>
internal static class ActivationBackwardKernels
{
    public static void Gelu(Index1D i, ArrayView<float> x, ArrayView<float> dy, ArrayView<float> dx)
    {
        float v = x[i];
        float t = ElementwiseKernels.Tanh(0.7978845608028654f * (v + 0.044715f * v * v * v));
        float du = 0.7978845608028654f * (1f + 3f * 0.044715f * v * v);
        dx[i] = (0.5f * (1f + t) + 0.5f * v * (1f - t * t) * du) * dy[i];
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
