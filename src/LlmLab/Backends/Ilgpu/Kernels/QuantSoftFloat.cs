using ILGPU;

namespace LlmLab.Backends.Ilgpu.Kernels;

/// <summary>
/// IEEE binary32 multiply, divide and add (round to nearest even, subnormals kept) in integer arithmetic, on float
/// bits. The CUDA context runs with fast math, where x / y is div.approx and mul/add flush subnormals to zero; the
/// quantised formats must come out bit-identical to the cpu backend, so the quantisation kernels do their few
/// rounding-critical operations here. NaN results are the canonical quiet NaN.
/// </summary>
internal static class SoftFloat
{
    private const uint Sign = 0x80000000u, Infinity = 0x7F800000u, NaN = 0x7FC00000u;

    public static uint Bits(float x) => Interop.FloatAsInt(x);
    public static float Float(uint bits) => Interop.IntAsFloat(bits);

    public static bool IsNaN(uint a) => (a & 0x7FFFFFFFu) > Infinity;
    public static bool IsZero(uint a) => (a & 0x7FFFFFFFu) == 0;
    public static bool IsInfinite(uint a) => (a & 0x7FFFFFFFu) == Infinity;

    public static uint Multiply(uint a, uint b)
    {
        uint sign = (a ^ b) & Sign;
        if (IsNaN(a) || IsNaN(b)) return NaN;
        bool aInf = (a & 0x7FFFFFFFu) == Infinity, bInf = (b & 0x7FFFFFFFu) == Infinity;
        if (aInf || bInf) return IsZero(a) || IsZero(b) ? NaN : sign | Infinity;
        if (IsZero(a) || IsZero(b)) return sign;
        return Pack(sign, (ulong)Significand(a) * Significand(b), Exponent(a) + Exponent(b)); // the 48-bit product is exact
    }

    /// <summary>
    /// a * b by the hardware where that is exact IEEE: fast math's mul.ftz only differs for zero or subnormal
    /// operands and subnormal products, which take <see cref="Multiply"/>. The product must not meet a float add
    /// (the PTX assembler may fuse the two): callers only take its bits.
    /// </summary>
    public static uint MultiplyFast(uint a, uint b)
    {
        uint p = Bits(Float(a) * Float(b));
        return (a & Infinity) == 0 || (b & Infinity) == 0 || (p & Infinity) == 0 ? Multiply(a, b) : p;
    }

    public static uint Divide(uint a, uint b)
    {
        uint sign = (a ^ b) & Sign;
        if (IsNaN(a) || IsNaN(b)) return NaN;
        bool aInf = (a & 0x7FFFFFFFu) == Infinity, bInf = (b & 0x7FFFFFFFu) == Infinity;
        if (aInf) return bInf ? NaN : sign | Infinity;
        if (bInf) return sign;
        if (IsZero(b)) return IsZero(a) ? NaN : sign | Infinity;
        if (IsZero(a)) return sign;
        // The numerator stays below 2^63: ILGPU 1.5.3 turns an unsigned division by a constant power of two (x / -8
        // in Q4_0) into an arithmetic shift, which is wrong once bit 63 is set.
        uint sb = Significand(b);
        ulong numerator = (ulong)Significand(a) << 39;
        ulong quotient = numerator / sb;                      // 39 to 40 significant bits
        if (quotient * sb != numerator) quotient |= 1;        // sticky: the exact quotient lies above
        return Pack(sign, quotient, Exponent(a) - Exponent(b) - 39);
    }

    public static uint Add(uint a, uint b)
    {
        if (IsNaN(a) || IsNaN(b)) return NaN;
        bool aInf = (a & 0x7FFFFFFFu) == Infinity, bInf = (b & 0x7FFFFFFFu) == Infinity;
        if (aInf || bInf) return aInf && bInf && ((a ^ b) & Sign) != 0 ? NaN : aInf ? a : b;
        if (IsZero(a)) return IsZero(b) ? a & b : b; // -0 + -0 = -0, any other sum of zeros is +0
        if (IsZero(b)) return a;
        // Order by magnitude (the bits of finite floats order like their magnitudes).
        if ((b & 0x7FFFFFFFu) > (a & 0x7FFFFFFFu))
        {
            uint t = a;
            a = b;
            b = t;
        }
        // 32 guard bits; the smaller operand is shifted with a sticky bit (round to odd), which keeps the final
        // rounding to 24 bits exact.
        ulong ma = (ulong)Significand(a) << 32, mb = (ulong)Significand(b) << 32;
        int ea = Exponent(a), eb = Exponent(b);
        uint signA = a & Sign, signB = b & Sign;
        int d = ea - eb;
        if (d >= 64) mb = 1;
        else if (d > 0) mb = (mb >> d) | ((mb & ((1ul << d) - 1)) != 0 ? 1ul : 0ul);
        if (signA == signB) return Pack(signA, ma + mb, ea - 32);
        ulong difference = ma - mb;
        return difference == 0 ? 0u : Pack(signA, difference, ea - 32);
    }

    public static uint Subtract(uint a, uint b) => Add(a, b ^ Sign);

    /// <summary>round(x) with halves away from zero (C's roundf), as an int; NaN gives 0, overflow saturates.</summary>
    public static int RoundHalfAway(uint x)
    {
        if (IsNaN(x)) return 0;
        uint abs = x & 0x7FFFFFFFu;
        int e = (int)(abs >> 23) - 127;
        if (e < -1) return 0;
        if (e >= 31) return (x & Sign) != 0 ? int.MinValue : int.MaxValue;
        uint significand = (abs & 0x7FFFFFu) | 0x800000u;
        int shift = 23 - e;
        int r = shift <= 0 ? (int)(significand << -shift) : (int)((significand + (1u << (shift - 1))) >> shift);
        return (x & Sign) != 0 ? -r : r;
    }

    /// <summary>(int)x, truncating toward zero; NaN gives 0, overflow saturates.</summary>
    public static int Truncate(uint x)
    {
        if (IsNaN(x)) return 0;
        uint abs = x & 0x7FFFFFFFu;
        int e = (int)(abs >> 23) - 127;
        if (e < 0) return 0;
        if (e >= 31) return (x & Sign) != 0 ? int.MinValue : int.MaxValue;
        uint significand = (abs & 0x7FFFFFu) | 0x800000u;
        int r = e >= 23 ? (int)(significand << (e - 23)) : (int)(significand >> (23 - e));
        return (x & Sign) != 0 ? -r : r;
    }

    /// <summary>A key whose unsigned order is the float order (-0 just below +0), for min/max without float compares.</summary>
    public static uint OrderKey(uint x) => (x & Sign) != 0 ? ~x : x | Sign;
    public static uint FromOrderKey(uint key) => (key & Sign) != 0 ? key & ~Sign : ~key;

    // A finite nonzero float is Significand * 2^Exponent with the significand's leading one at bit 23
    // (subnormals normalised).
    private static uint Significand(uint a)
    {
        uint m = a & 0x7FFFFFu;
        return (a & 0x7F800000u) == 0 ? m << (IntrinsicMath.BitOperations.LeadingZeroCount(m) - 8) : m | 0x800000u;
    }

    private static int Exponent(uint a)
    {
        int e = (int)((a >> 23) & 0xFFu);
        return e == 0 ? -149 - (IntrinsicMath.BitOperations.LeadingZeroCount(a & 0x7FFFFFu) - 8) : e - 150;
    }

    // Rounds significand * 2^exponent (nonzero; its lowest bit may be a sticky bit below the rounding point) to the
    // nearest float, ties to even, through the subnormal range and up to infinity.
    private static uint Pack(uint sign, ulong significand, int exponent)
    {
        int top = 63 - IntrinsicMath.BitOperations.LeadingZeroCount(significand);
        int e = exponent + top;
        if (e > 127) return sign | Infinity;
        int ulpExponent = e >= -126 ? e - 23 : -149;
        int shift = ulpExponent - exponent;
        ulong q;
        if (shift <= 0) q = significand << -shift;
        else if (shift > 64) q = 0;
        else if (shift == 64) q = significand > 0x8000000000000000ul ? 1ul : 0ul;
        else
        {
            q = significand >> shift;
            ulong remainder = significand & ((1ul << shift) - 1), half = 1ul << (shift - 1);
            if (remainder > half || (remainder == half && (q & 1) != 0)) q++;
        }
        // Normal: biased exponent above the hidden bit (a rounding carry to 2^24 moves into the exponent, up to
        // infinity); subnormal: q is the field itself (2^23 is the smallest normal).
        return e >= -126 ? sign | (((uint)(e + 127) << 23) + (uint)q - 0x800000u) : sign | (uint)q;
    }
}
