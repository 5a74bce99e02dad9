using System.Runtime.CompilerServices;
namespace LlmLab.Backends.Cpu.Kernels;

/// <summary>
/// Rotary angles pos * theta^(-2i/dim) and their cos/sin, the same bits on every machine. The C library's pow, cos
/// and sin may differ between systems, so nothing here calls them:
/// <list type="bullet">
/// <item>the frequency of pair i is kept in turns per position as a 64-bit binary fraction,
/// F_i = frac(theta^(-2i/dim) / 2 pi) * 2^64, from a managed exp and log in double (relative error ~1e-16);</item>
/// <item>the angle of position p is then the integer product p * F_i mod 2^64: exact, and already reduced to one
/// turn, so large positions lose nothing to argument reduction (what remains is F_i's double rounding, about
/// p * 1e-16 radians at position p);</item>
/// <item>cos/sin of the remainder (at most pi/4 after taking out quadrants) by fdlibm's kernel polynomials in
/// double (error below 1e-16), rounded once to float.</item>
/// </list>
/// The ILGPU kernel uses the same F_i table and integer reduction, with float polynomials on the remainder.
/// Note this is the exact angle: Hugging Face computes pos * inv_freq in float32, which at position p differs from
/// it by up to about p * 6e-8 radians.
/// </summary>
internal static class RotaryAngles
{
    /// <summary>2 pi / 2^64: radians per unit of the 64-bit turn fraction.</summary>
    public const double RadiansPerUnit = 6.283185307179586 / 18446744073709551616.0;

    /// <summary>F_i for i in [0, dim/2): the turns per position of each pair as a 64-bit fraction.</summary>
    public static ulong[] TurnsPerPosition(int dim, float theta)
    {
        var turns = new ulong[dim / 2];
        double logTheta = Log(theta);
        for (int i = 0; i < turns.Length; i++)
        {
            double inverseFrequency = Exp(-(2.0 * i / dim) * logTheta);
            double t = inverseFrequency * (1 / 6.283185307179586);
            t -= Math.Floor(t); // whole turns per position never change the angle
            turns[i] = (ulong)(t * 18446744073709551616.0); // t < 1, so the product fits; truncation is exact to 2^-64
        }
        return turns;
    }

    /// <summary>cos and sin of position * F_i for every pair i.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void CosSin(int position, ReadOnlySpan<ulong> turns, Span<float> cos, Span<float> sin)
    {
        for (int i = 0; i < turns.Length; i++)
        {
            ulong angle = unchecked((ulong)(long)position * turns[i]);
            (double c, double s) = CosSin(angle);
            cos[i] = (float)c;
            sin[i] = (float)s;
        }
    }

    /// <summary>cos and sin of an angle given as a fraction of a turn in 64 bits.</summary>
    public static (double Cos, double Sin) CosSin(ulong turn)
    {
        // Nearest quarter turn q, remainder r in [-1/8, 1/8) turn = [-pi/4, pi/4).
        int quadrant = (int)((turn + (1UL << 61)) >> 62);
        long remainder = unchecked((long)(turn - ((ulong)quadrant << 62)));
        double r = remainder * RadiansPerUnit;
        double c = KernelCos(r), s = KernelSin(r);
        return quadrant switch
        {
            0 => (c, s),
            1 => (-s, c),
            2 => (-c, -s),
            _ => (s, -c),
        };
    }

    // fdlibm __kernel_sin / __kernel_cos (Sun Microsystems, freely redistributable) for |x| <= pi/4, tail y = 0.
    private static double KernelSin(double x)
    {
        const double S1 = -1.66666666666666324348e-01, S2 = 8.33333333332248946124e-03, S3 = -1.98412698298579493134e-04,
            S4 = 2.75573137070700676789e-06, S5 = -2.50507602534068634195e-08, S6 = 1.58969099521155010221e-10;
        double z = x * x, v = z * x;
        double r = S2 + z * (S3 + z * (S4 + z * (S5 + z * S6)));
        return x + v * (S1 + z * r);
    }

    private static double KernelCos(double x)
    {
        const double C1 = 4.16666666666666019037e-02, C2 = -1.38888888888741095749e-03, C3 = 2.48015872894767294178e-05,
            C4 = -2.75573143513906633035e-07, C5 = 2.08757232129817482790e-09, C6 = -1.13596475577881948265e-11;
        double z = x * x;
        double r = z * (C1 + z * (C2 + z * (C3 + z * (C4 + z * (C5 + z * C6)))));
        double hz = 0.5 * z, w = 1.0 - hz;
        return w + (((1.0 - w) - hz) + z * r);
    }

    private const double Ln2High = 6.93147180369123816490e-01, Ln2Low = 1.90821492927058770002e-10;

    /// <summary>Natural log of a positive normal double: exponent split, then 2 atanh((m-1)/(m+1)) by its series.</summary>
    private static double Log(double x)
    {
        long bits = BitConverter.DoubleToInt64Bits(x);
        int exponent = (int)((bits >> 52) & 0x7FF) - 1023;
        double m = BitConverter.Int64BitsToDouble((bits & 0x000FFFFFFFFFFFFFL) | 0x3FF0000000000000L); // [1, 2)
        if (m > 1.4142135623730951)
        {
            m *= 0.5;
            exponent++;
        }
        double s = (m - 1) / (m + 1), s2 = s * s;
        // |s| <= 0.1716, s^2 <= 0.0295: 14 terms of sum s^2k / (2k + 1) reach far below double precision.
        double series = 1.0 / 29;
        for (int k = 27; k >= 1; k -= 2) series = series * s2 + 1.0 / k;
        return exponent * Ln2High + (2 * s * series + exponent * Ln2Low);
    }

    /// <summary>e^x for |x| below 700: x = n ln2 + r with |r| at most ln2/2, Taylor series of e^r, times 2^n.</summary>
    private static double Exp(double x)
    {
        double n = Math.Round(x / 0.6931471805599453);
        double r = (x - n * Ln2High) - n * Ln2Low;
        // |r| <= 0.35: 18 terms leave a remainder below 1e-23.
        double p = 1;
        for (int k = 18; k >= 1; k--) p = 1 + p * r / k;
        return p * BitConverter.Int64BitsToDouble((long)(n + 1023) << 52);
    }
}
