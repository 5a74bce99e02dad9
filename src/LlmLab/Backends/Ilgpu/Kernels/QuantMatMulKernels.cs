using ILGPU;

namespace LlmLab.Backends.Ilgpu.Kernels;

/// <summary>
/// y = x W^T + bias with W [N, K] quantised (int8 rows, Q8_0 or Q4_0 blocks), dequantised as it is loaded: the f32
/// weight never exists. Two shapes: <see cref="MatVec"/> for decode (a few x rows: one warp per weight row, lanes
/// across K, so the weight streams once, coalesced), and <see cref="Tiled"/> for prefill (x and weight tiles in
/// shared memory, each thread owning 2 x 4 outputs in registers).
/// </summary>
internal static class QuantMatMulKernels
{
    public const int Int8 = 0, Q8_0 = 1, Q4_0 = 2;
    public const int GroupSize = 256, RowsPerGroup = GroupSize / 32;
    public const int TileM = 32, TileN = 64, TileK = 32;
    private const int Pad = TileN + 1; // the transposed shared tiles' row stride: conflict-free stores

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

    /// <summary>
    /// Prefill: group g computes the 32 x 64 tile of y at (m0, n0); per step of 32 along K it stages x [32 x 32] and
    /// the dequantised weight [64 x 32] in shared memory (transposed, K-major) and thread (tx, ty) accumulates
    /// y[m0 + ty + 16 i, n0 + tx + 16 j] for i &lt; 2, j &lt; 4.
    /// </summary>
    public static void Tiled(ArrayView<float> x, int rows, int k, ArrayView<byte> w, int format, int rowBytes,
        ArrayView<float> scales, int scaleMode, ArrayView<float> bias, int hasBias, ArrayView<float> y, int n)
    {
        var xs = SharedMemory.Allocate<float>(TileK * Pad);
        var ws = SharedMemory.Allocate<float>(TileK * Pad);
        int tilesN = (n + TileN - 1) / TileN;
        int n0 = Grid.IdxX % tilesN * TileN, m0 = Grid.IdxX / tilesN * TileM;
        int t = Group.IdxX, tx = t % 16, ty = t / 16;
        float c00 = 0f, c01 = 0f, c02 = 0f, c03 = 0f, c10 = 0f, c11 = 0f, c12 = 0f, c13 = 0f;
        for (int k0 = 0; k0 < k; k0 += TileK)
        {
            // A warp loads 32 consecutive K values of one row: coalesced x, and one whole weight block.
            for (int i = 0; i < TileM * TileK / GroupSize; i++)
            {
                int idx = t + i * GroupSize, r = idx / TileK, kk = idx % TileK, m = m0 + r, kg = k0 + kk;
                xs[kk * Pad + r] = m < rows && kg < k ? x[m * k + kg] : 0f;
            }
            // Warp v loads weight rows v, v + 8, ... (one block each, lane = position in the block); lane i < 8
            // converts the fp16 factor of the warp's i-th row once and shuffles it to the others.
            int warpRow = t / 32, lane = t % 32;
            int factorRow = n0 + warpRow + 8 * lane;
            float factor = lane < 8 && factorRow < n && k0 < k ? Factor(w, factorRow * rowBytes, format, k0) : 0f;
            for (int i = 0; i < TileN * TileK / GroupSize; i++)
            {
                int r = warpRow + 8 * i, nn = n0 + r, kg = k0 + lane;
                float d = Warp.Shuffle(factor, i);
                ws[lane * Pad + r] = nn < n && kg < k ? Quantum(w, nn * rowBytes, format, kg) * d : 0f;
            }
            Group.Barrier();
            for (int kk = 0; kk < TileK; kk++)
            {
                int b = kk * Pad;
                float x0 = xs[b + ty], x1 = xs[b + ty + 16];
                float w0 = ws[b + tx], w1 = ws[b + tx + 16], w2 = ws[b + tx + 32], w3 = ws[b + tx + 48];
                c00 += x0 * w0;
                c01 += x0 * w1;
                c02 += x0 * w2;
                c03 += x0 * w3;
                c10 += x1 * w0;
                c11 += x1 * w1;
                c12 += x1 * w2;
                c13 += x1 * w3;
            }
            Group.Barrier();
        }
        Store(y, rows, n, m0 + ty, n0 + tx, c00, c01, c02, c03, scales, scaleMode, bias, hasBias);
        Store(y, rows, n, m0 + ty + 16, n0 + tx, c10, c11, c12, c13, scales, scaleMode, bias, hasBias);
    }

    private static float WarpSum(float v)
    {
        for (int offset = 16; offset > 0; offset >>= 1) v += Warp.ShuffleDown(v, offset);
        return v;
    }

    private static void Store(ArrayView<float> y, int rows, int n, int m, int j, float v0, float v1, float v2, float v3,
        ArrayView<float> scales, int scaleMode, ArrayView<float> bias, int hasBias)
    {
        if (m >= rows) return;
        int o = m * n;
        if (j < n) y[o + j] = Finish(v0, j, scales, scaleMode, bias, hasBias);
        if (j + 16 < n) y[o + j + 16] = Finish(v1, j + 16, scales, scaleMode, bias, hasBias);
        if (j + 32 < n) y[o + j + 32] = Finish(v2, j + 32, scales, scaleMode, bias, hasBias);
        if (j + 48 < n) y[o + j + 48] = Finish(v3, j + 48, scales, scaleMode, bias, hasBias);
    }

    /// <summary>The block factor fp16(d) of the block holding K index kk (1 for int8 rows).</summary>
    private static float Factor(ArrayView<byte> w, int wo, int format, int kk) =>
        format == Int8 ? 1f : QuantBlockKernels.ReadHalf(w, wo + kk / 32 * (format == Q8_0 ? 34 : 18));

    /// <summary>The integer value at K index kk: the int8 q, the Q8_0 q or the Q4_0 nibble - 8.</summary>
    private static int Quantum(ArrayView<byte> w, int wo, int format, int kk)
    {
        if (format == Int8) return (sbyte)w[wo + kk];
        int block = kk / 32, j = kk % 32;
        if (format == Q8_0) return (sbyte)w[wo + block * 34 + 2 + j];
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
