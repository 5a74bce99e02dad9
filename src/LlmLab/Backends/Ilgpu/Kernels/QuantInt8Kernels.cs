using ILGPU;
using ILGPU.Algorithms;

namespace LlmLab.Backends.Ilgpu.Kernels;

/// <summary>
/// Int8 quantisation on the GPU. Per row: one warp a row finds max|x| and quantises it. Per tensor, three launches:
/// each group reduces one segment of x to max|x|, min and max (as integer keys: exact, and the same whatever the
/// order), one group folds those into the scale (and zero point), then one thread per element quantises. Rounding-critical arithmetic goes through
/// <see cref="SoftFloat"/> so the values match the cpu backend bit for bit even under fast math.
/// </summary>
internal static class QuantInt8Kernels
{
    public const int GroupSize = 256;
    public const int RowsPerGroup = GroupSize / 32;
    private const int Warps = RowsPerGroup;
    private const int Absmax = 0, ZeroPoint = 1;
    private const int Int8Limit = 1 << 30;

    /// <summary>Group g reduces x[g * segmentLength .. +segmentLength) (clipped to total).</summary>
    public static void SegmentRange(ArrayView<float> x, int total, int segmentLength,
        ArrayView<uint> absMax, ArrayView<uint> minKey, ArrayView<uint> maxKey)
    {
        int start = Grid.IdxX * segmentLength;
        int end = XMath.Min(start + segmentLength, total);
        uint am = 0, lo = 0xFFFFFFFFu, hi = 0;
        for (int i = start + Group.IdxX; i < end; i += GroupSize)
        {
            uint b = SoftFloat.Bits(x[i]);
            am = XMath.Max(am, b & 0x7FFFFFFFu);
            uint key = SoftFloat.OrderKey(b);
            lo = XMath.Min(lo, key);
            hi = XMath.Max(hi, key);
        }
        GroupRange(ref am, ref lo, ref hi);
        if (Group.IdxX == 0)
        {
            absMax[Grid.IdxX] = am;
            minKey[Grid.IdxX] = lo;
            maxKey[Grid.IdxX] = hi;
        }
    }

    /// <summary>
    /// Per-row absmax in one launch: warp w of group g owns row g * 8 + w; its lanes stride the row for max|x|
    /// (butterfly shuffles leave it in every lane), then quantise the row with 127 / max (1 for an all-zero row).
    /// With <paramref name="vector"/> (rows of a multiple of 4 floats at a 16-byte aligned base) a lane moves Float4s
    /// and writes its four int8 values as one int, two loads a trip in the max pass: a warp streaming one 128-byte line
    /// at a time has too few bytes in flight to reach the memory's bandwidth.
    /// </summary>
    public static void AbsmaxRows(ArrayView<float> x, int rows, int cols, int vector, ArrayView<float> scales, ArrayView<sbyte> q)
    {
        int row = Grid.IdxX * Warps + Group.IdxX / 32, lane = Warp.LaneIdx;
        if (row >= rows) return; // the whole warp leaves together
        long start = (long)row * cols;
        uint am = 0;
        if (vector != 0)
        {
            var x4 = x.Cast<Float4>();
            long start4 = start / 4;
            int n4 = cols / 4, c = lane;
            for (; c + 32 < n4; c += 64)
            {
                var u = x4[start4 + c];
                var v = x4[start4 + c + 32];
                am = XMath.Max(am, XMath.Max(AbsBits(u), AbsBits(v)));
            }
            if (c < n4) am = XMath.Max(am, AbsBits(x4[start4 + c]));
        }
        else
        {
            for (int c = lane; c < cols; c += 32) am = XMath.Max(am, SoftFloat.Bits(x[start + c]) & 0x7FFFFFFFu);
        }
        for (int offset = 16; offset > 0; offset >>= 1) am = XMath.Max(am, Warp.ShuffleXor(am, offset));
        uint s = Scale(am);
        if (vector != 0)
        {
            var x4 = x.Cast<Float4>();
            var q4 = q.Cast<int>();
            long start4 = start / 4;
            for (int c = lane; c < cols / 4; c += 32)
            {
                var v = x4[start4 + c];
                q4[start4 + c] = (QuantizeValue(v.X, s) & 0xFF) | (QuantizeValue(v.Y, s) & 0xFF) << 8 | (QuantizeValue(v.Z, s) & 0xFF) << 16 | QuantizeValue(v.W, s) << 24;
            }
        }
        else
        {
            for (int c = lane; c < cols; c += 32) q[start + c] = (sbyte)QuantizeValue(x[start + c], s);
        }
        if (lane == 0) scales[row] = SoftFloat.Float(s);
    }

    /// <summary>round(x * scale) clamped to [-127, 127], rounding half away from zero as the cpu backend does.</summary>
    private static int QuantizeValue(float x, uint scale) =>
        XMath.Clamp(SoftFloat.RoundHalfAway(SoftFloat.MultiplyFast(SoftFloat.Bits(x), scale)), -127, 127);

    /// <summary>The largest |x| of four, as float bits (an order-preserving key for non-negative floats and NaN).</summary>
    private static uint AbsBits(Float4 v) => XMath.Max(
        XMath.Max(SoftFloat.Bits(v.X) & 0x7FFFFFFFu, SoftFloat.Bits(v.Y) & 0x7FFFFFFFu),
        XMath.Max(SoftFloat.Bits(v.Z) & 0x7FFFFFFFu, SoftFloat.Bits(v.W) & 0x7FFFFFFFu));

    /// <summary>
    /// One group folds the segment results into the tensor's scale (and zero point): absmax 127 / max|x|; zero point
    /// scale = 255 / (max - min) (1 when equal), zp = round(-min * scale) - 128.
    /// </summary>
    public static void TensorParameters(ArrayView<uint> absMax, ArrayView<uint> minKey, ArrayView<uint> maxKey, int segments,
        int scheme, ArrayView<float> scale, ArrayView<int> zeroPoint)
    {
        uint am = 0, lo = 0xFFFFFFFFu, hi = 0;
        for (int i = Group.IdxX; i < segments; i += GroupSize)
        {
            am = XMath.Max(am, absMax[i]);
            lo = XMath.Min(lo, minKey[i]);
            hi = XMath.Max(hi, maxKey[i]);
        }
        GroupRange(ref am, ref lo, ref hi);
        if (Group.IdxX != 0) return;
        if (scheme == Absmax)
        {
            scale[0] = SoftFloat.Float(Scale(am));
            return;
        }
        uint min = SoftFloat.FromOrderKey(lo), max = SoftFloat.FromOrderKey(hi);
        uint range = SoftFloat.Subtract(max, min);
        uint s = SoftFloat.IsZero(range) ? SoftFloat.Bits(1f) : SoftFloat.Divide(SoftFloat.Bits(255f), range);
        int shift = SoftFloat.RoundHalfAway(SoftFloat.Multiply(min ^ 0x80000000u, s));
        scale[0] = SoftFloat.Float(s);
        zeroPoint[0] = XMath.Clamp(shift, -Int8Limit, Int8Limit) - 128;
    }

    /// <summary>q = clamp(round(x * scale)) (absmax), or clamp(round(x * scale) + zp, -128, 127); one thread per element.</summary>
    public static void Quantize(ArrayView<float> x, int total, int scheme, ArrayView<float> scales, ArrayView<int> zeroPoint, ArrayView<sbyte> q)
    {
        int i = Grid.GlobalIndex.X;
        if (i >= total) return;
        uint s = SoftFloat.Bits(scales[0]);
        int r = SoftFloat.RoundHalfAway(SoftFloat.MultiplyFast(SoftFloat.Bits(x[i]), s));
        q[i] = scheme == Absmax
            ? (sbyte)XMath.Clamp(r, -127, 127)
            : (sbyte)XMath.Clamp(XMath.Clamp(r, -Int8Limit, Int8Limit) + zeroPoint[0], -128, 127);
    }

    /// <summary>y = q / scale, or (q - zp) / scale.</summary>
    public static void Dequantize(ArrayView<sbyte> q, int total, int cols, int perRow, int scheme,
        ArrayView<float> scales, ArrayView<int> zeroPoint, ArrayView<float> y)
    {
        int i = Grid.GlobalIndex.X;
        if (i >= total) return;
        float s = scales[perRow != 0 ? i / cols : 0];
        y[i] = scheme == Absmax ? q[i] / s : (q[i] - zeroPoint[0]) / s;
    }

    private static uint Scale(uint maxAbs) =>
        maxAbs == 0 ? SoftFloat.Bits(1f) : SoftFloat.Divide(SoftFloat.Bits(127f), maxAbs);

    // max of am and hi, min of lo over the group; the result is valid in thread 0.
    private static void GroupRange(ref uint am, ref uint lo, ref uint hi)
    {
        for (int offset = 16; offset > 0; offset >>= 1)
        {
            am = XMath.Max(am, Warp.ShuffleDown(am, offset));
            lo = XMath.Min(lo, Warp.ShuffleDown(lo, offset));
            hi = XMath.Max(hi, Warp.ShuffleDown(hi, offset));
        }
        var shared = SharedMemory.Allocate<uint>(3 * Warps);
        int warp = Group.IdxX / 32;
        if (Warp.LaneIdx == 0)
        {
            shared[warp] = am;
            shared[Warps + warp] = lo;
            shared[2 * Warps + warp] = hi;
        }
        Group.Barrier();
        if (Group.IdxX == 0)
        {
            for (int w = 1; w < Warps; w++)
            {
                am = XMath.Max(am, shared[w]);
                lo = XMath.Min(lo, shared[Warps + w]);
                hi = XMath.Max(hi, shared[2 * Warps + w]);
            }
        }
    }
}
