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

    /// <summary>Exact GELU, 0.5 x (1 + erf(x/√2)), with the cpu backend's erf pieces.</summary>
    public static void GeluErf(Index1D i, ArrayView<float> x, ArrayView<float> y)
    {
        float v = x[i];
        y[i] = 0.5f * v * OnePlusErf(v * ErfPolynomials.InverseSqrt2);
    }

    /// <summary>
    /// 1 + erf(x) from <see cref="ErfPolynomials"/>' two pieces (as SimdMath.OnePlusErf): x + x R(2x² - 1) below
    /// |x| = 1, erfc(|x|) = exp(-x²) Q(2/|x| - 1) above, taken as is for negative x so the tail does not cancel.
    /// </summary>
    public static float OnePlusErf(float x)
    {
        float z = XMath.Abs(x);
        if (z < 1f)
        {
            float t = 2f * x * x - 1f;
            float r = ErfPolynomials.R6;
            r = r * t + ErfPolynomials.R5;
            r = r * t + ErfPolynomials.R4;
            r = r * t + ErfPolynomials.R3;
            r = r * t + ErfPolynomials.R2;
            r = r * t + ErfPolynomials.R1;
            r = r * t + ErfPolynomials.R0;
            return 1f + (x + x * r);
        }
        if (z > ErfPolynomials.TailLimit) z = ErfPolynomials.TailLimit;   // erfc has underflowed; NaN falls through as NaN
        float u = 2f / z - 1f;
        float q = ErfPolynomials.Q12;
        q = q * u + ErfPolynomials.Q11;
        q = q * u + ErfPolynomials.Q10;
        q = q * u + ErfPolynomials.Q9;
        q = q * u + ErfPolynomials.Q8;
        q = q * u + ErfPolynomials.Q7;
        q = q * u + ErfPolynomials.Q6;
        q = q * u + ErfPolynomials.Q5;
        q = q * u + ErfPolynomials.Q4;
        q = q * u + ErfPolynomials.Q3;
        q = q * u + ErfPolynomials.Q2;
        q = q * u + ErfPolynomials.Q1;
        q = q * u + ErfPolynomials.Q0;
        float tail = XMath.Exp(-(z * z)) * q;
        return x < 0f ? tail : 2f - tail;
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
