using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace LlmLab.Backends.Cpu.Kernels;

/// <summary>
/// The instruction sets <see cref="IntegerDotMatMul"/> runs on. Every path gives the same bits (the integer sums are
/// exact and the floats follow one order), so choosing one is a matter of speed only; tests run each that the
/// machine has.
/// </summary>
internal enum IntegerDotPath
{
    /// <summary>Plain C#: the definition the vector paths are checked against.</summary>
    Scalar,
    /// <summary>256-bit: pmaddubsw then pmaddwd (a Q8_0 weight's sign moved onto the activation, as ggml does).</summary>
    Avx2,
    /// <summary>256-bit vpdpbusd (VEX AVX-VNNI: Intel Alder Lake and later, AMD Zen 5).</summary>
    AvxVnni,
    /// <summary>512-bit pmaddubsw/pmaddwd over two blocks at a time (AVX-512BW).</summary>
    Avx512,
}

internal static class IntegerDotPaths
{
    public static bool IsSupported(IntegerDotPath path) => path switch
    {
        IntegerDotPath.Scalar => true,
        IntegerDotPath.Avx2 => Avx2.IsSupported && Fma.IsSupported,
        IntegerDotPath.AvxVnni => AvxVnni.IsSupported && Avx2.IsSupported && Fma.IsSupported,
        IntegerDotPath.Avx512 => Avx512BW.IsSupported && Vector512.IsHardwareAccelerated,
        _ => false,
    };

    /// <summary>The paths this machine runs, scalar first.</summary>
    public static IntegerDotPath[] Supported => [.. Enum.GetValues<IntegerDotPath>().Where(IsSupported)];

    /// <summary>The fastest path here: 512-bit where the JIT uses it, then VNNI, then AVX2.</summary>
    public static IntegerDotPath Best { get; } =
        IsSupported(IntegerDotPath.Avx512) ? IntegerDotPath.Avx512
        : IsSupported(IntegerDotPath.AvxVnni) ? IntegerDotPath.AvxVnni
        : IsSupported(IntegerDotPath.Avx2) ? IntegerDotPath.Avx2
        : IntegerDotPath.Scalar;
}
