using ILGPU;

namespace LlmLab.Backends.Ilgpu.Kernels;

/// <summary>
/// y = x W^T + bias with W [N, K] quantised (int8 rows, Q8_0 or Q4_0 blocks), dequantised as it is loaded: the f32
/// weight never exists. This is the decode shape (a few x rows: one warp per weight row, lanes across K, so the
/// weight streams once, coalesced); prefill runs on the f32 matmul's tile kernels with a quantised B
/// (<see cref="MatMulWeights"/>).
/// </summary>
internal static class QuantMatMulKernels
{
    public const int GroupSize = 256, RowsPerGroup = GroupSize / 32;

    /// <summary>Decode: warp w of group g owns weight row g * 8 + w and every x row (four at a time).</summary>
    public static void MatVec(ArrayView<float> x, int rows, int k, ArrayView<byte> w, int format, int rowBytes,
        ArrayView<float> scales, int scaleMode, ArrayView<float> bias, int hasBias, ArrayView<float> y, int n)
    {
        int row = Grid.IdxX * RowsPerGroup + Group.IdxX / 32, lane = Warp.LaneIdx;
        if (row >= n) return; // the whole warp leaves together
        int wo = row * rowBytes;
        for (int m0 = 0; m0 < rows; m0 += 4)
        {
            float a0 = 0f, a1 = 0f, a2 = 0f, a3 = 0f;
            int x0 = m0 * k;
            // Per step the warp covers 128 values (four blocks): lane l takes the four values from
            // (l / 8) * 32 + (l % 8) * 4, so each block factor is converted once per four values.
            for (int c = lane / 8 * 32 + lane % 8 * 4; c < k; c += 128)
            {
                float d = Factor(w, wo, format, c);
                for (int e = 0; e < 4; e++)
                {
                    int kk = c + e;
                    if (kk >= k) break; // only int8 rows end inside a group of four
                    float wv = Quantum(w, wo, format, kk) * d;
                    a0 += x[x0 + kk] * wv;
                    if (m0 + 1 < rows) a1 += x[x0 + k + kk] * wv;
                    if (m0 + 2 < rows) a2 += x[x0 + 2 * k + kk] * wv;
                    if (m0 + 3 < rows) a3 += x[x0 + 3 * k + kk] * wv;
                }
            }
            a0 = WarpSum(a0);
            if (m0 + 1 < rows) a1 = WarpSum(a1); // uniform across the warp: no shuffles for absent rows
            if (m0 + 2 < rows) a2 = WarpSum(a2);
            if (m0 + 3 < rows) a3 = WarpSum(a3);
            if (lane == 0)
            {
                y[m0 * n + row] = Finish(a0, row, scales, scaleMode, bias, hasBias);
                if (m0 + 1 < rows) y[(m0 + 1) * n + row] = Finish(a1, row, scales, scaleMode, bias, hasBias);
                if (m0 + 2 < rows) y[(m0 + 2) * n + row] = Finish(a2, row, scales, scaleMode, bias, hasBias);
                if (m0 + 3 < rows) y[(m0 + 3) * n + row] = Finish(a3, row, scales, scaleMode, bias, hasBias);
            }
        }
    }

    private static float WarpSum(float v)
    {
        for (int offset = 16; offset > 0; offset >>= 1) v += Warp.ShuffleDown(v, offset);
        return v;
    }

    /// <summary>The block factor fp16(d) of the block holding K index kk (1 for int8 rows).</summary>
    private static float Factor(ArrayView<byte> w, int wo, int format, int kk) =>
        format == MatMulWeights.Int8 ? 1f : QuantBlockKernels.ReadHalf(w, wo + kk / 32 * (format == MatMulWeights.Q8_0 ? 34 : 18));

    /// <summary>The integer value at K index kk: the int8 q, the Q8_0 q or the Q4_0 nibble - 8.</summary>
    private static int Quantum(ArrayView<byte> w, int wo, int format, int kk)
    {
        if (format == MatMulWeights.Int8) return (sbyte)w[wo + kk];
        int block = kk / 32, j = kk % 32;
        if (format == MatMulWeights.Q8_0) return (sbyte)w[wo + block * 34 + 2 + j];
        int packed = w[wo + block * 18 + 2 + (j & 15)];
        return (j < 16 ? packed & 15 : packed >> 4) - 8;
    }

    /// <summary>scaleMode 0: none (blocks), 1: one int8 scale, 2: one per weight row; then the bias.</summary>
    private static float Finish(float acc, int j, ArrayView<float> scales, int scaleMode, ArrayView<float> bias, int hasBias)
    {
        if (scaleMode == 1) acc /= scales[0];
        else if (scaleMode == 2) acc /= scales[j];
        return hasBias != 0 ? acc + bias[j] : acc;
    }
}
