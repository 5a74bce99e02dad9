namespace LlmLab.Backends;

/// <summary>
/// The coefficients of LlmLab's float erf, shared by the cpu lanes (<see cref="Cpu.SimdMath.Erf(float)"/> and its vector form) and the ILGPU
/// kernels, so both evaluate the same approximation. Two pieces:
/// <list type="bullet">
/// <item>|x| &lt; 1: erf(x) = x + x R(t), t = 2x² - 1, where R is the degree-6 Chebyshev interpolant of
/// erf(x)/x - 1 as a function of s = x² on [0, 1], written as a polynomial in t. Forming x + x R keeps the
/// rounding of the large part (x) exact, so the result is within about one ulp.</item>
/// <item>|x| ≥ 1: erfc(z) = exp(-z²) Q(t), z = |x|, t = 2/z - 1, where Q is the degree-12 Chebyshev interpolant
/// of erfc(z) exp(z²) as a function of w = 1/z on [0, 1] (its asymptote w/√π at w = 0 makes it smooth there, so
/// one piece covers every z ≥ 1). erf(x) = sign(x) (1 - erfc(z)).</item>
/// </list>
/// The interpolants are within 1.2e-9 of erf and erfc in exact arithmetic; evaluated in float32 (Horner with FMA)
/// the result is within 1e-7 of erf everywhere (tests check it against a float64 series).
/// </summary>
internal static class ErfPolynomials
{
    public const float R0 = -0.03453126177191734f;
    public const float R1 = -0.1405360996723175f;
    public const float R2 = 0.019852496683597565f;
    public const float R3 = -0.002285419497638941f;
    public const float R4 = 0.00021751354506704956f;
    public const float R5 = -1.766906825650949e-05f;
    public const float R6 = 1.2306054486543871e-06f;

    public const float Q0 = 0.25539568066596985f;
    public const float Q1 = 0.213592991232872f;
    public const float Q2 = -0.046381935477256775f;
    public const float Q3 = 0.0028542971704155207f;
    public const float Q4 = 0.004037208389490843f;
    public const float Q5 = -0.0027208137325942516f;
    public const float Q6 = 0.0009761421242728829f;
    public const float Q7 = -0.00013797775318380445f;
    public const float Q8 = -0.00015062310558278114f;
    public const float Q9 = 0.0002356300101382658f;
    public const float Q10 = -0.0001174447315861471f;
    public const float Q11 = -3.2328425731975585e-05f;
    public const float Q12 = 3.2762727641966194e-05f;

    /// <summary>Beyond this |x| erfc underflows in float (exp(-z²) &lt; 1e-38): the tail is evaluated at it instead.</summary>
    public const float TailLimit = 10f;

    /// <summary>1/√2: GELU's erf(x/√2).</summary>
    public const float InverseSqrt2 = 0.70710678118654752f;
    /// <summary>1/√(2π): the standard normal density's factor (GELU's slope).</summary>
    public const float InverseSqrt2Pi = 0.39894228040143268f;
}
