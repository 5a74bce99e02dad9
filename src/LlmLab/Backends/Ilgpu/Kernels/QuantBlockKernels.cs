using ILGPU;
using ILGPU.Algorithms;
using LlmLab.Numerics;

namespace LlmLab.Backends.Ilgpu.Kernels;

/// <summary>
/// ggml Q8_0 / Q4_0 on the GPU: one warp per block of 32, lane j owning value j, block maxima by warp shuffles.
/// The arithmetic follows quantize_row_q8_0_ref / quantize_row_q4_0_ref through <see cref="SoftFloat"/>, so the
/// bytes equal the cpu backend's (and ggml's) even where the CUDA context's fast math would round differently.
/// A block so small that 1 / d overflows writes zero quants, as ggml's x86 build does.
/// </summary>
internal static class QuantBlockKernels
{
    public const int GroupSize = 256, BlocksPerGroup = GroupSize / 32;

    public static void QuantizeQ8_0(ArrayView<float> x, int blocks, ArrayView<byte> q)
    {
        int block = Grid.GlobalIndex.X / 32, lane = Warp.LaneIdx;
        if (block >= blocks) return; // whole warps leave together
        uint v = SoftFloat.Bits(x[block * 32 + lane]);
        uint amax = v & 0x7FFFFFFFu;
        for (int offset = 16; offset > 0; offset >>= 1) amax = XMath.Max(amax, Warp.ShuffleXor(amax, offset));
        uint d = SoftFloat.Divide(amax, SoftFloat.Bits(127f));
        uint id = SoftFloat.IsZero(d) ? 0u : SoftFloat.Divide(SoftFloat.Bits(1f), d);
        int value = SoftFloat.IsInfinite(id) ? 0 : SoftFloat.RoundHalfAway(SoftFloat.MultiplyFast(v, id));
        int o = block * 34;
        q[o + 2 + lane] = (byte)(sbyte)value;
        if (lane == 0) WriteHalf(q, o, d);
    }

    public static void QuantizeQ4_0(ArrayView<float> x, int blocks, ArrayView<byte> q)
    {
        int block = Grid.GlobalIndex.X / 32, lane = Warp.LaneIdx;
        if (block >= blocks) return;
        uint v = SoftFloat.Bits(x[block * 32 + lane]);
        // The signed value with the largest |x|, the first lane of equals winning (ggml's strict '<' scan).
        uint best = v & 0x7FFFFFFFu;
        int bestLane = lane;
        for (int offset = 16; offset > 0; offset >>= 1)
        {
            uint otherBest = Warp.ShuffleXor(best, offset);
            int otherLane = Warp.ShuffleXor(bestLane, offset);
            if (otherBest > best || (otherBest == best && otherLane < bestLane))
            {
                best = otherBest;
                bestLane = otherLane;
            }
        }
        uint max = Warp.Shuffle(v, bestLane);
        if (best == 0) max = 0; // an all-zero block keeps ggml's initial +0
        uint d = SoftFloat.Divide(max, SoftFloat.Bits(-8f));
        uint id = SoftFloat.IsZero(d) ? 0u : SoftFloat.Divide(SoftFloat.Bits(1f), d);
        int nibble = SoftFloat.IsInfinite(id) ? 0 : XMath.Clamp(SoftFloat.Truncate(SoftFloat.Add(SoftFloat.MultiplyFast(v, id), SoftFloat.Bits(8.5f))), 0, 15);
        int high = Warp.ShuffleDown(nibble, 16);
        int o = block * 18;
        if (lane < 16) q[o + 2 + lane] = (byte)(nibble | (high << 4));
        if (lane == 0) WriteHalf(q, o, d);
    }

    /// <summary>One thread per value: q * fp16(d), or (nibble - 8) * fp16(d).</summary>
    public static void Dequantize(ArrayView<byte> q, int total, int q4, ArrayView<float> y)
    {
        int i = Grid.GlobalIndex.X;
        if (i >= total) return;
        int block = i / 32, j = i % 32;
        int o = block * (q4 != 0 ? 18 : 34);
        float d = ReadHalf(q, o);
        int value;
        if (q4 != 0)
        {
            int packed = q[o + 2 + (j & 15)];
            value = (j < 16 ? packed & 15 : packed >> 4) - 8;
        }
        else value = (sbyte)q[o + 2 + j];
        y[i] = value * d;
    }

    /// <summary>fp16 at byte o (little-endian) as a float: exact, no float arithmetic.</summary>
    public static float ReadHalf(ArrayView<byte> q, long o) =>
        SoftFloat.Float(Fp16.ToSingleBits((uint)q[o] | ((uint)q[o + 1] << 8)));

    private static void WriteHalf(ArrayView<byte> q, int o, uint floatBits)
    {
        uint h = Fp16.FromSingleBits(floatBits);
        q[o] = (byte)h;
        q[o + 1] = (byte)(h >> 8);
    }
}
