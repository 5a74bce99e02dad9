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

    /// <summary>Exact GELU, x Φ(x) = 0.5 x (1 + erf(x/√2)); 1 + erf keeps the negative tail accurate.</summary>
    public readonly struct GeluErf : SimdMath.IUnaryOp
    {
        public static Vector256<float> Invoke(Vector256<float> x) =>
            Vector256.Create(0.5f) * x * SimdMath.OnePlusErf(x * Vector256.Create(ErfPolynomials.InverseSqrt2));
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

    // ---- backward: dx = f'(x) dy ---------------------------------------------------------------------------

    /// <summary>dx from x and dy, for <see cref="MapGradient{TOp}"/>.</summary>
    public interface IGradientOp
    {
        static abstract Vector256<float> Invoke(Vector256<float> x, Vector256<float> dy);
    }

    /// <summary>dx[i] = TOp(x[i], dy[i]); the tail is padded into one vector so every element takes the same path.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public static void MapGradient<TOp>(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx) where TOp : IGradientOp
    {
        int i = 0;
        for (; i <= x.Length - 8; i += 8)
            TOp.Invoke(Vector256.Create(x.Slice(i, 8)), Vector256.Create(dy.Slice(i, 8))).CopyTo(dx.Slice(i, 8));
        if (i < x.Length)
        {
            Span<float> px = stackalloc float[8], pg = stackalloc float[8];
            px.Clear();
            pg.Clear();
            x[i..].CopyTo(px);
            dy[i..].CopyTo(pg);
            TOp.Invoke(Vector256.Create(px), Vector256.Create(pg)).CopyTo(px);
            px[..(x.Length - i)].CopyTo(dx[i..]);
        }
    }

    /// <summary>
    /// GELU': with u = c (x + a x^3) and t = tanh(u), y = 0.5 x (1 + t), so
    /// dy/dx = 0.5 (1 + t) + 0.5 x (1 - t^2) c (1 + 3 a x^2). With e = exp(-2|u|) (no overflow), 1 + t and
    /// 1 - t^2 = (1 + t)(1 - t) are formed from e without cancelling: 1 + t = 2e / (1 + e) for u &lt; 0, 2 / (1 + e)
    /// otherwise, and 1 - t^2 = 4e / (1 + e)^2, so the small slopes of large negative x keep their relative accuracy.
    /// </summary>
    public readonly struct GeluGradient : IGradientOp
    {
        public static Vector256<float> Invoke(Vector256<float> x, Vector256<float> dy)
        {
            var c = Vector256.Create(0.7978845608028654f);
            var a = Vector256.Create(0.044715f);
            var half = Vector256.Create(0.5f);
            var x2 = x * x;
            var u = c * Vector256.FusedMultiplyAdd(a * x, x2, x);
            var e = SimdMath.Exp(Vector256.Create(-2f) * Vector256.Abs(u));
            var inverse = Vector256<float>.One / (Vector256<float>.One + e);
            var onePlusT = Vector256.Create(2f) * Vector256.ConditionalSelect(Vector256.LessThan(u, Vector256<float>.Zero), e, Vector256<float>.One) * inverse;
            var oneMinusT2 = Vector256.Create(4f) * e * inverse * inverse;
            var du = c * Vector256.FusedMultiplyAdd(Vector256.Create(3f) * a, x2, Vector256<float>.One);
            var slope = Vector256.FusedMultiplyAdd(half * x * oneMinusT2, du, half * onePlusT);
            return slope * dy;
        }
    }

    /// <summary>Exact GELU': d/dx x Φ(x) = Φ(x) + x φ(x), with Φ(x) = 0.5 (1 + erf(x/√2)) and φ(x) = exp(-x²/2)/√(2π).</summary>
    public readonly struct GeluErfGradient : IGradientOp
    {
        public static Vector256<float> Invoke(Vector256<float> x, Vector256<float> dy)
        {
            var cdf = Vector256.Create(0.5f) * SimdMath.OnePlusErf(x * Vector256.Create(ErfPolynomials.InverseSqrt2));
            var density = Vector256.Create(ErfPolynomials.InverseSqrt2Pi) * SimdMath.Exp(Vector256.Create(-0.5f) * x * x);
            return Vector256.FusedMultiplyAdd(x, density, cdf) * dy;
        }
    }

    /// <summary>SiLU': with s = sigmoid(x), d/dx x s = s (1 + x (1 - s)).</summary>
    public readonly struct SiluGradient : IGradientOp
    {
        public static Vector256<float> Invoke(Vector256<float> x, Vector256<float> dy)
        {
            var s = SimdMath.Sigmoid(x);
            return s * Vector256.FusedMultiplyAdd(x, Vector256<float>.One - s, Vector256<float>.One) * dy;
        }
    }

    /// <summary>ReLU': dy where x &gt; 0, else 0 (a NaN x passes dy on, like the forward passes NaN on).</summary>
    public readonly struct ReluGradient : IGradientOp
    {
        public static Vector256<float> Invoke(Vector256<float> x, Vector256<float> dy) =>
            Vector256.ConditionalSelect(Vector256.LessThanOrEqual(x, Vector256<float>.Zero), Vector256<float>.Zero, dy);
    }
}
