using ILGPU;

namespace LlmLab.Numerics;

/// <summary>
/// IEEE binary16 from and to binary32 in integer arithmetic only, so the cpu kernels, the ILGPU kernels (where
/// fast-math flushes subnormals) and System.Half all give the same bits. Float to half rounds to nearest, ties to
/// even, with subnormal halves and overflow to infinity from 65520 up (as ggml's GGML_FP32_TO_FP16 and F16C do).
/// </summary>
public static class Fp16
{
    public static ushort FromSingle(float value) => (ushort)FromSingleBits(BitConverter.SingleToUInt32Bits(value));

    public static float ToSingle(ushort half) => BitConverter.UInt32BitsToSingle(ToSingleBits(half));

    /// <summary>The half bits (low 16) of the float with bits <paramref name="f"/>; callable from kernels.</summary>
    public static uint FromSingleBits(uint f)
    {
        uint sign = (f >> 16) & 0x8000u;
        uint abs = f & 0x7FFFFFFFu;
        if (abs > 0x7F800000u) return sign | 0x7E00u | ((abs >> 13) & 0x3FFu); // NaN stays a quiet NaN
        if (abs >= 0x477FF000u) return sign | 0x7C00u;                          // >= 65520 (and inf) -> inf
        if (abs >= 0x38800000u)                                                 // normal half (>= 2^-14)
        {
            uint rebased = abs - 0x38000000u; // exponent bias 127 -> 15
            uint h = rebased >> 13, rest = rebased & 0x1FFFu;
            if (rest > 0x1000u || (rest == 0x1000u && (h & 1u) != 0)) h++; // a carry moves into the exponent
            return sign | h;
        }
        if (abs <= 0x33000000u) return sign;                                    // <= 2^-25 rounds to zero
        // Subnormal half: units of 2^-24, the float's significand shifted right by 126 - exponent (14..24).
        uint significand = (abs & 0x7FFFFFu) | 0x800000u;
        int shift = 126 - (int)(abs >> 23);
        uint q = significand >> shift, remainder = significand & ((1u << shift) - 1u), half = 1u << (shift - 1);
        if (remainder > half || (remainder == half && (q & 1u) != 0)) q++;
        return sign | q;
    }

    /// <summary>The float bits of the half with bits <paramref name="h"/> (exact); callable from kernels.</summary>
    public static uint ToSingleBits(uint h)
    {
        uint sign = (h & 0x8000u) << 16;
        uint exponent = (h >> 10) & 0x1Fu, mantissa = h & 0x3FFu;
        if (exponent == 0x1Fu) return sign | 0x7F800000u | (mantissa << 13);
        if (exponent != 0) return sign | ((exponent + 112u) << 23) | (mantissa << 13);
        if (mantissa == 0) return sign;
        // Subnormal half m * 2^-24: normalise so the leading one becomes the hidden bit.
        int top = 31 - IntrinsicMath.BitOperations.LeadingZeroCount(mantissa); // 0..9
        return sign | ((uint)(top + 103) << 23) | ((mantissa << (23 - top)) & 0x7FFFFFu);
    }
}
