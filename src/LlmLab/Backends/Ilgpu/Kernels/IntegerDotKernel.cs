using ILGPU;

namespace LlmLab.Backends.Ilgpu.Kernels;

/// <summary>
/// The integer-dot product with Q8_0-quantised activations (the cpu's IntegerDotMatMul): one warp per weight row,
/// each half-warp one x row at a time, lane l of a half the accumulator (block parity e = l / 8, lane p = l % 8) of the
/// cpu's fixed order, over blocks e, e + 2, ...: s = Σ qw qa over quants 4p..4p+3 (exact), d = fp16(dw) fp16(da),
/// acc += s d; then the same tree: acc[e, p] + acc[e, p + 4], the two parities, (v0 + v2) + (v1 + v3). ILGPU has no
/// fused multiply-add, so acc takes two roundings where the cpu takes one (within the tests' tolerance).
/// </summary>
internal static class IntegerDotKernel
{
    public const int GroupSize = 256, RowsPerGroup = GroupSize / 32;

    /// <summary>xq: rows x blocks Q8_0 blocks; w: n x blocks Q8_0 (q4 = 0) or Q4_0 (q4 = 1) blocks.</summary>
    public static void Run(ArrayView<byte> xq, int rows, int blocks, ArrayView<byte> w, int q4,
        ArrayView<float> bias, int hasBias, ArrayView<float> y, int n)
    {
        int row = Grid.IdxX * RowsPerGroup + Group.IdxX / 32, lane = Warp.LaneIdx;
        if (row >= n) return; // the whole warp leaves together
        int half = lane / 16, e = (lane / 8) & 1, p = lane & 7;
        int blockBytes = q4 != 0 ? 18 : 34;
        long wo = (long)row * blocks * blockBytes;
        for (int m0 = 0; m0 < rows; m0 += 2) // uniform across the warp: every lane reaches the shuffles
        {
            int m = m0 + half;
            float acc = 0f;
            if (m < rows)
            {
                long xo = (long)m * blocks * 34;
                for (int b = e; b < blocks; b += 2)
                {
                    long wb = wo + b * blockBytes, xb = xo + b * 34;
                    int s = 0;
                    for (int i = 4 * p; i < 4 * p + 4; i++) s += Quant(w, wb + 2, q4, i) * (sbyte)xq[xb + 2 + i];
                    float d = QuantBlockKernels.ReadHalf(w, wb) * QuantBlockKernels.ReadHalf(xq, xb);
                    acc += s * d;
                }
            }
            float u = acc + Warp.ShuffleDown(acc, 4);  // lanes p < 4: acc[e, p] + acc[e, p + 4]
            float v = u + Warp.ShuffleDown(u, 8);      // lanes 0..3 of a half: u[0, i] + u[1, i]
            float t = v + Warp.ShuffleDown(v, 2);      // lanes 0, 1: v0 + v2, v1 + v3
            float r = t + Warp.ShuffleDown(t, 1);
            if ((lane & 15) == 0 && m < rows) y[(long)m * n + row] = hasBias != 0 ? r + bias[row] : r;
        }
    }

    private static int Quant(ArrayView<byte> w, long o, int q4, int i)
    {
        if (q4 == 0) return (sbyte)w[o + i];
        int packed = w[o + (i & 15)];
        return (i < 16 ? packed & 15 : packed >> 4) - 8;
    }
}
