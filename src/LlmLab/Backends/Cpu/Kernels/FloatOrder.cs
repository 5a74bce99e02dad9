using System.Runtime.CompilerServices;

namespace LlmLab.Backends.Cpu.Kernels;

/// <summary>
/// Order-preserving integer keys for floats, so selections can count and bucket by bits: negatives get all bits
/// flipped, non-negatives only the sign bit; -0 is read as +0 (they compare equal as floats). The composite key
/// (value key, index) is the total order the sampling filters break ties with: among equal values the higher index
/// counts as larger, as in a stable ascending sort (HF's top-p sorts ascending).
/// </summary>
internal static class FloatOrder
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint Key(float x)
    {
        uint b = BitConverter.SingleToUInt32Bits(x);
        if (b == 0x80000000u) b = 0;
        return b ^ ((uint)((int)b >> 31) | 0x80000000u);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Composite(float x, int index) => ((ulong)Key(x) << 32) | (uint)index;
}
