using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Runtime.Cuda;

namespace LlmLab.Backends.Ilgpu.Kernels;

/// <summary>
/// Group-wide building blocks for the sampling kernels (one group per row, any multiple of 32 threads up to 1024):
/// reductions and scans as warp-shuffle trees plus one shared slot per warp, so every sum is added in the same
/// order on every run (no float atomics). Each helper ends with a barrier, so its shared scratch can be reused.
/// </summary>
internal static class SamplingBlock
{
    public const int WarpSize = 32;
    /// <summary>Shared slots a helper needs: one per warp (at most 32) and one for the result.</summary>
    public const int ScratchLength = 33;

    /// <summary>Bits of an IEEE division rounded to nearest: PTX's fast-math division is approximate, so CUDA
    /// gets an explicit div.rn (HF divides by the temperature in float32; the kept logits must match to the bit).</summary>
    public static float Divide(float a, float b)
    {
        float q;
        if (CudaAsm.IsSupported) CudaAsm.Emit("div.rn.f32 %0, %1, %2;", out q, a, b);
        else q = a / b;
        return q;
    }

    /// <summary>Order-preserving key (as the cpu's FloatOrder.Key): -0 reads as +0.</summary>
    public static uint Key(float x)
    {
        uint b = Interop.FloatAsInt(x);
        if (b == 0x80000000u) b = 0;
        return b ^ ((uint)((int)b >> 31) | 0x80000000u);
    }

    /// <summary>(value key, index) in 56 bits: the total order ties are broken by (equal values: higher index is larger).</summary>
    public static ulong Composite(float x, int index) => ((ulong)Key(x) << 24) | (uint)index;

    public static bool IsMinusInfinity(float x) => Interop.FloatAsInt(x) == 0xFF800000u;

    /// <summary>NaN or +infinity: a row holding one has no distribution to sample from.</summary>
    public static bool IsNaNOrPlusInfinity(float x)
    {
        uint b = Interop.FloatAsInt(x);
        return (b & 0x7FFFFFFFu) > 0x7F800000u || b == 0x7F800000u;
    }

    public static float Sum(float value, ArrayView<float> scratch)
    {
        for (int d = WarpSize / 2; d >= 1; d /= 2) value += Warp.ShuffleDown(value, d);
        if (Warp.LaneIdx == 0) scratch[Warp.WarpIdx] = value;
        Group.Barrier();
        if (Warp.WarpIdx == 0)
        {
            int warps = Group.DimX / WarpSize;
            float x = Warp.LaneIdx < warps ? scratch[Warp.LaneIdx] : 0f;
            for (int d = WarpSize / 2; d >= 1; d /= 2) x += Warp.ShuffleDown(x, d);
            if (Warp.LaneIdx == 0) scratch[WarpSize] = x;
        }
        Group.Barrier();
        float total = scratch[WarpSize];
        Group.Barrier();
        return total;
    }

    public static float Max(float value, ArrayView<float> scratch)
    {
        for (int d = WarpSize / 2; d >= 1; d /= 2) value = XMath.Max(value, Warp.ShuffleDown(value, d));
        if (Warp.LaneIdx == 0) scratch[Warp.WarpIdx] = value;
        Group.Barrier();
        if (Warp.WarpIdx == 0)
        {
            int warps = Group.DimX / WarpSize;
            float x = Warp.LaneIdx < warps ? scratch[Warp.LaneIdx] : float.NegativeInfinity;
            for (int d = WarpSize / 2; d >= 1; d /= 2) x = XMath.Max(x, Warp.ShuffleDown(x, d));
            if (Warp.LaneIdx == 0) scratch[WarpSize] = x;
        }
        Group.Barrier();
        float total = scratch[WarpSize];
        Group.Barrier();
        return total;
    }

    /// <summary>Exclusive prefix sum of one int per thread in thread order; <paramref name="total"/> is the group's sum.</summary>
    public static int ExclusiveScan(int value, ArrayView<int> scratch, out int total)
    {
        int lane = Warp.LaneIdx, warp = Warp.WarpIdx;
        int inclusive = value;
        for (int d = 1; d < WarpSize; d *= 2)
        {
            int other = Warp.ShuffleUp(inclusive, d);
            if (lane >= d) inclusive += other;
        }
        if (lane == WarpSize - 1) scratch[warp] = inclusive;
        Group.Barrier();
        if (warp == 0)
        {
            int warps = Group.DimX / WarpSize;
            int own = lane < warps ? scratch[lane] : 0;
            int x = own;
            for (int d = 1; d < WarpSize; d *= 2)
            {
                int other = Warp.ShuffleUp(x, d);
                if (lane >= d) x += other;
            }
            if (lane < warps) scratch[lane] = x - own;
            if (lane == WarpSize - 1) scratch[WarpSize] = x;
        }
        Group.Barrier();
        int result = scratch[warp] + inclusive - value;
        total = scratch[WarpSize];
        Group.Barrier();
        return result;
    }

    /// <summary>Exclusive prefix sum of one float per thread in thread order (a fixed tree: same bits every run).</summary>
    public static float ExclusiveScan(float value, ArrayView<float> scratch)
    {
        int lane = Warp.LaneIdx, warp = Warp.WarpIdx;
        float inclusive = value;
        for (int d = 1; d < WarpSize; d *= 2)
        {
            float other = Warp.ShuffleUp(inclusive, d);
            if (lane >= d) inclusive += other;
        }
        float exclusive = Warp.ShuffleUp(inclusive, 1);
        if (lane == 0) exclusive = 0f;
        if (lane == WarpSize - 1) scratch[warp] = inclusive;
        Group.Barrier();
        if (warp == 0)
        {
            int warps = Group.DimX / WarpSize;
            float x = lane < warps ? scratch[lane] : 0f;
            for (int d = 1; d < WarpSize; d *= 2)
            {
                float other = Warp.ShuffleUp(x, d);
                if (lane >= d) x += other;
            }
            float before = Warp.ShuffleUp(x, 1);
            if (lane < warps) scratch[lane] = lane == 0 ? 0f : before;
        }
        Group.Barrier();
        float result = warp == 0 ? exclusive : scratch[warp] + exclusive;
        Group.Barrier();
        return result;
    }

    /// <summary>The contiguous slice [begin, end) of n items that this thread owns (order-preserving passes).</summary>
    public static void Chunk(int n, out int begin, out int end)
    {
        int size = (n + Group.DimX - 1) / Group.DimX;
        begin = XMath.Min(Group.IdxX * size, n);
        end = XMath.Min(begin + size, n);
    }
}
