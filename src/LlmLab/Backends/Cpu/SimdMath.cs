using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace LlmLab.Backends.Cpu;

/// <summary>
/// Transcendental functions and reductions with one managed implementation, so results are the same bits on every
/// machine (the determinism contract): the vector code is written once over <see cref="Vector256{T}"/> and scalar
/// tails are padded into a vector rather than computed by a different formula or by the C library. Vector256 is
/// hardware on x64 (AVX2) and emulated lane by lane elsewhere; the IEEE operations and FMA give identical lanes.
/// Reductions keep 16 partial sums (two Vector256): element i always goes to lane i % 16, then lanes are summed in a
/// fixed tree.
/// </summary>
public static class SimdMath
{
    /// <summary>An elementwise function of a vector, for <see cref="Map{TOp}"/>.</summary>
    public interface IUnaryOp
    {
        static abstract Vector256<float> Invoke(Vector256<float> x);
    }

    // ---- exp: Cephes expf (range reduction by ln 2 in two parts, degree-5 polynomial), |rel err| < 2e-7 ----

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Exp(Vector256<float> x)
    {
        var overflow = Vector256.GreaterThan(x, Vector256.Create(88.72283f));
        var underflow = Vector256.LessThan(x, Vector256.Create(-87.33654f));
        var n = Vector256.Round(x * Vector256.Create(1.44269504088896341f));
        n = Vector256.Min(n, Vector256.Create(127f));
        n = Vector256.Max(n, Vector256.Create(-126f));
        var r = Vector256.FusedMultiplyAdd(n, Vector256.Create(-0.693359375f), x);
        r = Vector256.FusedMultiplyAdd(n, Vector256.Create(2.12194440e-4f), r);
        var p = Vector256.Create(1.9875691500e-4f);
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(1.3981999507e-3f));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(8.3334519073e-3f));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(4.1665795894e-2f));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(1.6666665459e-1f));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(5.0000001201e-1f));
        var y = Vector256.FusedMultiplyAdd(p, r * r, r) + Vector256<float>.One;
        var pow2 = Vector256.ShiftLeft(Vector256.ConvertToInt32(n) + Vector256.Create(127), 23).AsSingle();
        y *= pow2;
        y = Vector256.ConditionalSelect(overflow, Vector256.Create(float.PositiveInfinity), y);
        y = Vector256.ConditionalSelect(underflow, Vector256<float>.Zero, y);
        return Vector256.ConditionalSelect(Vector256.Equals(x, x), y, x); // NaN stays NaN
    }

    /// <summary>tanh: Cephes' odd polynomial below 0.625, 1 - 2 / (e^(2|x|) + 1) above, sign restored.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Tanh(Vector256<float> x)
    {
        var ax = Vector256.Abs(x);
        var z = x * x;
        var p = Vector256.Create(-5.70498872745e-3f);
        p = Vector256.FusedMultiplyAdd(p, z, Vector256.Create(2.06390887954e-2f));
        p = Vector256.FusedMultiplyAdd(p, z, Vector256.Create(-5.37397155531e-2f));
        p = Vector256.FusedMultiplyAdd(p, z, Vector256.Create(1.33314422036e-1f));
        p = Vector256.FusedMultiplyAdd(p, z, Vector256.Create(-3.33332819422e-1f));
        var small = Vector256.FusedMultiplyAdd(p * z, x, x);
        var e = Exp(ax + ax);
        var large = Vector256<float>.One - Vector256.Create(2f) / (e + Vector256<float>.One);
        large = Vector256.CopySign(large, x);
        return Vector256.ConditionalSelect(Vector256.LessThan(ax, Vector256.Create(0.625f)), small, large);
    }

    /// <summary>sigmoid(x) = 1 / (1 + e^-x).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Sigmoid(Vector256<float> x) => Vector256<float>.One / (Vector256<float>.One + Exp(-x));

    // ---- erf: two Chebyshev pieces (coefficients and derivation in ErfPolynomials), |error| < 1e-7 ----------

    /// <summary>erf(x): x + x R(2x² - 1) below |x| = 1, sign(x) (1 - erfc|x|) above; NaN stays NaN.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Erf(Vector256<float> x)
    {
        var (inner, tail) = ErfPieces(x);
        var outer = Vector256.CopySign(Vector256<float>.One - tail, x);
        var y = Vector256.ConditionalSelect(Vector256.LessThan(Vector256.Abs(x), Vector256<float>.One), inner, outer);
        return Vector256.ConditionalSelect(Vector256.Equals(x, x), y, x);
    }

    /// <summary>
    /// 1 + erf(x) (twice the normal CDF at x√2), without cancelling for negative x: there it is erfc|x| itself,
    /// so the tiny values of GELU's negative tail keep their relative accuracy.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> OnePlusErf(Vector256<float> x)
    {
        var (inner, tail) = ErfPieces(x);
        var outer = Vector256.ConditionalSelect(Vector256.LessThan(x, Vector256<float>.Zero), tail, Vector256.Create(2f) - tail);
        var y = Vector256.ConditionalSelect(Vector256.LessThan(Vector256.Abs(x), Vector256<float>.One), Vector256<float>.One + inner, outer);
        return Vector256.ConditionalSelect(Vector256.Equals(x, x), y, x);
    }

    // Both pieces for every lane: erf(x) for |x| < 1, and erfc(z) = exp(-z²) Q(2/z - 1) with z = |x| held in
    // [1, TailLimit] (lanes outside are not used, or erfc has underflowed to 0 there).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector256<float> Inner, Vector256<float> Tail) ErfPieces(Vector256<float> x)
    {
        var one = Vector256<float>.One;
        var t = Vector256.FusedMultiplyAdd(x * x, Vector256.Create(2f), -one);
        var r = Vector256.Create(ErfPolynomials.R6);
        r = Vector256.FusedMultiplyAdd(r, t, Vector256.Create(ErfPolynomials.R5));
        r = Vector256.FusedMultiplyAdd(r, t, Vector256.Create(ErfPolynomials.R4));
        r = Vector256.FusedMultiplyAdd(r, t, Vector256.Create(ErfPolynomials.R3));
        r = Vector256.FusedMultiplyAdd(r, t, Vector256.Create(ErfPolynomials.R2));
        r = Vector256.FusedMultiplyAdd(r, t, Vector256.Create(ErfPolynomials.R1));
        r = Vector256.FusedMultiplyAdd(r, t, Vector256.Create(ErfPolynomials.R0));
        var inner = Vector256.FusedMultiplyAdd(x, r, x);

        var limit = Vector256.Create(ErfPolynomials.TailLimit);
        var z = Vector256.Abs(x);
        z = Vector256.ConditionalSelect(Vector256.LessThan(z, limit), z, limit);   // NaN and huge lanes: the limit
        z = Vector256.ConditionalSelect(Vector256.LessThan(z, one), one, z);
        var u = Vector256.FusedMultiplyAdd(one / z, Vector256.Create(2f), -one);
        var q = Vector256.Create(ErfPolynomials.Q12);
        q = Vector256.FusedMultiplyAdd(q, u, Vector256.Create(ErfPolynomials.Q11));
        q = Vector256.FusedMultiplyAdd(q, u, Vector256.Create(ErfPolynomials.Q10));
        q = Vector256.FusedMultiplyAdd(q, u, Vector256.Create(ErfPolynomials.Q9));
        q = Vector256.FusedMultiplyAdd(q, u, Vector256.Create(ErfPolynomials.Q8));
        q = Vector256.FusedMultiplyAdd(q, u, Vector256.Create(ErfPolynomials.Q7));
        q = Vector256.FusedMultiplyAdd(q, u, Vector256.Create(ErfPolynomials.Q6));
        q = Vector256.FusedMultiplyAdd(q, u, Vector256.Create(ErfPolynomials.Q5));
        q = Vector256.FusedMultiplyAdd(q, u, Vector256.Create(ErfPolynomials.Q4));
        q = Vector256.FusedMultiplyAdd(q, u, Vector256.Create(ErfPolynomials.Q3));
        q = Vector256.FusedMultiplyAdd(q, u, Vector256.Create(ErfPolynomials.Q2));
        q = Vector256.FusedMultiplyAdd(q, u, Vector256.Create(ErfPolynomials.Q1));
        q = Vector256.FusedMultiplyAdd(q, u, Vector256.Create(ErfPolynomials.Q0));
        return (inner, Exp(-(z * z)) * q);
    }

    /// <summary>e^x of one float, by the same lanes as the vector code.</summary>
    public static float Exp(float x) => Exp(Vector256.Create(x)).ToScalar();
    public static float Tanh(float x) => Tanh(Vector256.Create(x)).ToScalar();
    public static float Erf(float x) => Erf(Vector256.Create(x)).ToScalar();

    /// <summary>y[i] = TOp(x[i]); the tail is padded into one vector so every element takes the same path.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot from the first call: skip tier-0 code
    public static void Map<TOp>(ReadOnlySpan<float> x, Span<float> y) where TOp : IUnaryOp
    {
        if (y.Length < x.Length) throw new ArgumentException("destination is shorter than the source");
        int i = 0;
        for (; i <= x.Length - 8; i += 8)
            TOp.Invoke(Vector256.Create(x.Slice(i, 8))).CopyTo(y.Slice(i, 8));
        if (i < x.Length)
        {
            Span<float> pad = stackalloc float[8];
            pad.Clear();
            x[i..].CopyTo(pad);
            TOp.Invoke(Vector256.Create(pad)).CopyTo(pad);
            pad[..(x.Length - i)].CopyTo(y[i..]);
        }
    }

    // ---- reductions with a fixed order --------------------------------------------------------------------

    /// <summary>Sum with 16 partial sums (lane i % 16) then a fixed pairwise tree.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot from the first call: skip tier-0 code
    public static float Sum(ReadOnlySpan<float> x)
    {
        Vector256<float> a0 = Vector256<float>.Zero, a1 = Vector256<float>.Zero;
        int i = 0;
        for (; i <= x.Length - 16; i += 16)
        {
            a0 += Vector256.Create(x.Slice(i, 8));
            a1 += Vector256.Create(x.Slice(i + 8, 8));
        }
        if (i < x.Length)
        {
            Span<float> pad = stackalloc float[16];
            pad.Clear();
            x[i..].CopyTo(pad);
            a0 += Vector256.Create(pad[..8]);
            a1 += Vector256.Create(pad[8..]);
        }
        return Horizontal(a0 + a1);
    }

    /// <summary>Sum of x[i] * y[i] with FMA into 16 fixed lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot from the first call: skip tier-0 code
    public static float Dot(ReadOnlySpan<float> x, ReadOnlySpan<float> y)
    {
        if (y.Length != x.Length) throw new ArgumentException($"dot of lengths {x.Length} and {y.Length}");
        Vector256<float> a0 = Vector256<float>.Zero, a1 = Vector256<float>.Zero;
        int i = 0;
        for (; i <= x.Length - 16; i += 16)
        {
            a0 = Vector256.FusedMultiplyAdd(Vector256.Create(x.Slice(i, 8)), Vector256.Create(y.Slice(i, 8)), a0);
            a1 = Vector256.FusedMultiplyAdd(Vector256.Create(x.Slice(i + 8, 8)), Vector256.Create(y.Slice(i + 8, 8)), a1);
        }
        if (i < x.Length)
        {
            Span<float> px = stackalloc float[16], py = stackalloc float[16];
            px.Clear();
            py.Clear();
            x[i..].CopyTo(px);
            y[i..].CopyTo(py);
            a0 = Vector256.FusedMultiplyAdd(Vector256.Create(px[..8]), Vector256.Create(py[..8]), a0);
            a1 = Vector256.FusedMultiplyAdd(Vector256.Create(px[8..]), Vector256.Create(py[8..]), a1);
        }
        return Horizontal(a0 + a1);
    }

    /// <summary>Largest element (NaN if any is NaN); -infinity for an empty span.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot from the first call: skip tier-0 code
    public static float Max(ReadOnlySpan<float> x)
    {
        var m = Vector256.Create(float.NegativeInfinity);
        var nan = Vector256<float>.Zero;
        int i = 0;
        for (; i <= x.Length - 8; i += 8)
        {
            var v = Vector256.Create(x.Slice(i, 8));
            nan |= ~Vector256.Equals(v, v);
            m = Vector256.Max(m, v);
        }
        float result = float.NegativeInfinity;
        for (int l = 0; l < 8; l++) result = Math.Max(result, m.GetElement(l));
        for (; i < x.Length; i++) result = Math.Max(result, x[i]);
        return nan != Vector256<float>.Zero ? float.NaN : result;
    }

    // (l0+l4)+(l2+l6) + (l1+l5)+(l3+l7): the same tree whatever produced the lanes.
    private static float Horizontal(Vector256<float> v)
    {
        var h = v.GetLower() + v.GetUpper();
        return (h.GetElement(0) + h.GetElement(2)) + (h.GetElement(1) + h.GetElement(3));
    }
}
