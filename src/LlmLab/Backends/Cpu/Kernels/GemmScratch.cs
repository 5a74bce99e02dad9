using System.Runtime.CompilerServices;

namespace LlmLab.Backends.Cpu.Kernels;

/// <summary>
/// Per-thread packing buffers, allocated once on the pinned heap and 64-byte aligned, so the micro-kernels read
/// whole cache lines and no call allocates.
/// </summary>
internal static unsafe class GemmScratch
{
    [ThreadStatic] private static float[]? Buffer;

    /// <summary>At least <paramref name="floats"/> floats, 64-byte aligned, owned by the calling thread until it asks again.</summary>
    public static float* Get(int floats)
    {
        var buffer = Buffer;
        if (buffer is null || buffer.Length < floats + 16)
            Buffer = buffer = GC.AllocateUninitializedArray<float>(floats + 16, pinned: true);
        nint start = (nint)Unsafe.AsPointer(ref buffer[0]);
        return (float*)((start + 63) & ~(nint)63);
    }
}
