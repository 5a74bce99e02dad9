using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace LlmLab.Backends.Cpu.Kernels;

/// <summary>
/// Packs a panel of a strided matrix into the layout a micro-kernel streams: for each k, <c>width</c> consecutive
/// values (one per lane: a row of A or a column of B), zero beyond <c>lanes</c>. Packing is where transposes and
/// strides are absorbed, so the kernel itself only ever reads contiguous, aligned memory.
/// </summary>
internal static unsafe class GemmPacking
{
    /// <summary>dst[k * width + l] = scale * src[l * laneStride + k * kStride] for l &lt; lanes, 0 for lanes &lt;= l &lt; width.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Panel(float* dst, int width, int lanes, int kc, float* src, long laneStride, long kStride, float scale)
    {
        if (scale == 1f && laneStride == 1)
            Rows(dst, width, lanes, kc, src, kStride);
        else if (scale == 1f && kStride == 1 && Avx.IsSupported)
            Transposed(dst, width, lanes, kc, src, laneStride);
        else
            for (int k = 0; k < kc; k++)
                for (int l = 0; l < lanes; l++)
                    dst[k * width + l] = scale * src[l * laneStride + k * kStride];
        if (lanes < width)
            for (int k = 0; k < kc; k++)
                new Span<float>(dst + k * width + lanes, width - lanes).Clear();
    }

    /// <summary>
    /// The B panel of columns j0..j0+width-1 over k0..k0+kc-1 from a weight stored interleaved
    /// (<see cref="Interleaved"/>, the same layout in 16-wide strips): 16 floats copied per k and strip, zero past
    /// column n (the strips are padded with zeros already).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void FromInterleaved(float* dst, int width, int kc, float* panels, long panelStride, int k0, int j0, int n)
    {
        const int strip = Interleaved.Width;
        for (int g = 0; g < width; g += strip)
        {
            int column = j0 + g;
            if (column >= n)
            {
                for (int k = 0; k < kc; k++) new Span<float>(dst + k * width + g, strip).Clear();
                continue;
            }
            float* src = panels + column / strip * panelStride + (long)k0 * strip;
            for (int k = 0; k < kc; k++, src += strip)
            {
                Vector256.Store(Vector256.Load(src), dst + k * width + g);
                Vector256.Store(Vector256.Load(src + 8), dst + k * width + g + 8);
            }
        }
    }

    /// <summary>The lanes are contiguous in the source: copy <paramref name="lanes"/> floats per k.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Rows(float* dst, int width, int lanes, int kc, float* src, long kStride)
    {
        for (int k = 0; k < kc; k++, src += kStride, dst += width)
        {
            int l = 0;
            for (; l + 16 <= lanes; l += 16) Vector512.Store(Vector512.Load(src + l), dst + l);
            for (; l + 8 <= lanes; l += 8) Vector256.Store(Vector256.Load(src + l), dst + l);
            for (; l + 4 <= lanes; l += 4) Vector128.Store(Vector128.Load(src + l), dst + l);
            for (; l < lanes; l++) dst[l] = src[l];
        }
    }

    /// <summary>Each lane is a contiguous run over k in the source: transpose 8 x 8 (or 4 x 8) blocks in registers.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Transposed(float* dst, int width, int lanes, int kc, float* src, long laneStride)
    {
        int l = 0;
        for (; l + 4 <= lanes; l += l + 8 <= lanes ? 8 : 4)
        {
            int group = l + 8 <= lanes ? 8 : 4;
            int k = 0;
            for (; k + 8 <= kc; k += 8)
                Transpose8x8(src + l * laneStride + k, laneStride, group, dst + k * width + l, width);
            for (; k < kc; k++)
                for (int g = 0; g < group; g++)
                    dst[k * width + l + g] = src[(l + g) * laneStride + k];
        }
        for (; l < lanes; l++)
            for (int k = 0; k < kc; k++)
                dst[k * width + l] = src[l * laneStride + k];
    }

    /// <summary>
    /// Rows 0..rows-1 (4 or 8) of an 8-wide block at <paramref name="src"/> become columns at <paramref name="dst"/>:
    /// dst[k * dstStride + r] = src[r * srcStride + k] for k &lt; 8 (absent rows are not written).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose8x8(float* src, long srcStride, int rows, float* dst, long dstStride)
    {
        var r0 = Avx.LoadVector256(src);
        var r1 = Avx.LoadVector256(src + srcStride);
        var r2 = Avx.LoadVector256(src + 2 * srcStride);
        var r3 = Avx.LoadVector256(src + 3 * srcStride);
        Vector256<float> r4 = default, r5 = default, r6 = default, r7 = default;
        if (rows == 8)
        {
            r4 = Avx.LoadVector256(src + 4 * srcStride);
            r5 = Avx.LoadVector256(src + 5 * srcStride);
            r6 = Avx.LoadVector256(src + 6 * srcStride);
            r7 = Avx.LoadVector256(src + 7 * srcStride);
        }
        // Interleave pairs of rows, then pairs of pairs: s0 holds column 0 of rows 0-3 and column 4 of rows 0-3, ...
        var t0 = Avx.UnpackLow(r0, r1); var t1 = Avx.UnpackHigh(r0, r1);
        var t2 = Avx.UnpackLow(r2, r3); var t3 = Avx.UnpackHigh(r2, r3);
        var t4 = Avx.UnpackLow(r4, r5); var t5 = Avx.UnpackHigh(r4, r5);
        var t6 = Avx.UnpackLow(r6, r7); var t7 = Avx.UnpackHigh(r6, r7);
        var s0 = Avx.Shuffle(t0, t2, 0x44); var s1 = Avx.Shuffle(t0, t2, 0xEE);
        var s2 = Avx.Shuffle(t1, t3, 0x44); var s3 = Avx.Shuffle(t1, t3, 0xEE);
        var s4 = Avx.Shuffle(t4, t6, 0x44); var s5 = Avx.Shuffle(t4, t6, 0xEE);
        var s6 = Avx.Shuffle(t5, t7, 0x44); var s7 = Avx.Shuffle(t5, t7, 0xEE);
        if (rows == 8)
        {
            Avx.Store(dst, Avx.Permute2x128(s0, s4, 0x20));
            Avx.Store(dst + dstStride, Avx.Permute2x128(s1, s5, 0x20));
            Avx.Store(dst + 2 * dstStride, Avx.Permute2x128(s2, s6, 0x20));
            Avx.Store(dst + 3 * dstStride, Avx.Permute2x128(s3, s7, 0x20));
            Avx.Store(dst + 4 * dstStride, Avx.Permute2x128(s0, s4, 0x31));
            Avx.Store(dst + 5 * dstStride, Avx.Permute2x128(s1, s5, 0x31));
            Avx.Store(dst + 6 * dstStride, Avx.Permute2x128(s2, s6, 0x31));
            Avx.Store(dst + 7 * dstStride, Avx.Permute2x128(s3, s7, 0x31));
        }
        else
        {
            s0.GetLower().Store(dst);
            s1.GetLower().Store(dst + dstStride);
            s2.GetLower().Store(dst + 2 * dstStride);
            s3.GetLower().Store(dst + 3 * dstStride);
            s0.GetUpper().Store(dst + 4 * dstStride);
            s1.GetUpper().Store(dst + 5 * dstStride);
            s2.GetUpper().Store(dst + 6 * dstStride);
            s3.GetUpper().Store(dst + 7 * dstStride);
        }
    }
}
