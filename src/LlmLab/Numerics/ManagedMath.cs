using System.Runtime.CompilerServices;

namespace LlmLab.Numerics;

/// <summary>
/// Scalar functions in managed code only, so results are the same bits on every machine: the cpu kernels' log-sum-exp
/// and the random streams' normal draws use the same log.
/// </summary>
public static class ManagedMath
{
    /// <summary>
    /// Natural log of a float, managed: split off the exponent, then 2 atanh((m-1)/(m+1)) in double. Correctly
    /// rounded in practice and the same on every machine. log(0) = -inf, log(negative or NaN) = NaN.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot from the first call: skip tier-0 code
    public static float Log(float x)
    {
        if (float.IsNaN(x) || x < 0) return float.NaN;
        if (x == 0) return float.NegativeInfinity;
        if (float.IsPositiveInfinity(x)) return x;
        double m = x;
        int exponent = 0;
        if (x < 1.17549435e-38f) { m *= 1 << 24; exponent = -24; } // subnormal: scale into the normal range
        long bits = BitConverter.DoubleToInt64Bits(m);
        exponent += (int)((bits >> 52) & 0x7FF) - 1023;
        m = BitConverter.Int64BitsToDouble((bits & 0x000FFFFFFFFFFFFFL) | 0x3FF0000000000000L); // [1, 2)
        if (m > 1.4142135623730951) { m *= 0.5; exponent++; }
        double s = (m - 1) / (m + 1), s2 = s * s;
        // 2 atanh(s) = 2 (s + s^3/3 + s^5/5 + ...); |s| <= 0.1716, so nine terms reach double precision.
        double series = 1.0 / 17;
        for (int k = 15; k >= 1; k -= 2) series = series * s2 + 1.0 / k;
        return (float)(2 * s * series + exponent * 0.6931471805599453);
    }
}
