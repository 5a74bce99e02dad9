namespace LlmLab.Tests.References;

/// <summary>
/// ggml's integer-dot product (vec_dot_q8_0_q8_0 / vec_dot_q4_0_q8_0) from its definition: each x row quantised to
/// Q8_0 by <see cref="QuantizationReference.Q8_0"/>, per block b the exact integer sum of qw * qa, the block factor
/// d[b] = fp16(dw) * fp16(da) rounded to float (ggml's float product), then y = Σ_b sum[b] d[b] + bias.
/// <see cref="Float64"/> adds the blocks in float64; <see cref="FixedOrder"/> adds them in float32 in the one order
/// docs/kernels.md fixes for every backend path, which the cpu kernels must give bit for bit.
/// </summary>
public static class IntegerDotReference
{
    /// <summary>y [rows, n] in float64 and per output Σ |sum[b, p] d[b]| + |bias| (the scale of float32 rounding).</summary>
    public static (double[] Y, double[] Magnitude) Float64(float[] x, int rows, int k, byte[] weight, bool q4, int n, float[]? bias)
    {
        var y = new double[rows * n];
        var magnitude = new double[rows * n];
        for (int m = 0; m < rows; m++)
        {
            var xq = QuantizationReference.Q8_0(x[(m * k)..((m + 1) * k)]);
            for (int j = 0; j < n; j++)
            {
                double s = bias is null ? 0 : bias[j], a = Math.Abs(s);
                for (int b = 0; b < k / 32; b++)
                {
                    float d = Factor(weight, q4, j, k, xq, b);
                    for (int p = 0; p < 8; p++)
                    {
                        double term = (double)LaneSum(weight, q4, j, k, xq, b, p) * d;
                        s += term;
                        a += Math.Abs(term);
                    }
                }
                y[m * n + j] = s;
                magnitude[m * n + j] = a;
            }
        }
        return (y, magnitude);
    }

    /// <summary>
    /// The fixed float32 order: acc[b % 2, p] = fma(sum[b, p], d[b], acc[b % 2, p]) over blocks in order; then
    /// u[e, i] = acc[e, i] + acc[e, i + 4], v[i] = u[0, i] + u[1, i], y = (v0 + v2) + (v1 + v3), then + bias.
    /// </summary>
    public static float[] FixedOrder(float[] x, int rows, int k, byte[] weight, bool q4, int n, float[]? bias)
    {
        var y = new float[rows * n];
        for (int m = 0; m < rows; m++)
        {
            var xq = QuantizationReference.Q8_0(x[(m * k)..((m + 1) * k)]);
            for (int j = 0; j < n; j++)
            {
                var acc = new float[2, 8];
                for (int b = 0; b < k / 32; b++)
                {
                    float d = Factor(weight, q4, j, k, xq, b);
                    for (int p = 0; p < 8; p++)
                        acc[b % 2, p] = MathF.FusedMultiplyAdd(LaneSum(weight, q4, j, k, xq, b, p), d, acc[b % 2, p]);
                }
                var v = new float[4];
                for (int i = 0; i < 4; i++) v[i] = (acc[0, i] + acc[0, i + 4]) + (acc[1, i] + acc[1, i + 4]);
                float dot = (v[0] + v[2]) + (v[1] + v[3]);
                y[m * n + j] = bias is null ? dot : dot + bias[j];
            }
        }
        return y;
    }

    /// <summary>Σ qw qa over quants 4p..4p+3 of block b of weight row j: exact.</summary>
    private static int LaneSum(byte[] weight, bool q4, int j, int k, byte[] xq, int b, int p)
    {
        int blockBytes = q4 ? 18 : 34, block = j * (k / 32) + b, sum = 0;
        for (int i = 4 * p; i < 4 * p + 4; i++)
        {
            int qw = q4 ? QuantizationReference.Nibble(weight, block, i) : (sbyte)weight[block * blockBytes + 2 + i];
            sum += qw * (sbyte)xq[b * 34 + 2 + i];
        }
        return sum;
    }

    private static float Factor(byte[] weight, bool q4, int j, int k, byte[] xq, int b) =>
        QuantizationReference.BlockScale(weight, j * (k / 32) + b, q4 ? 18 : 34) * QuantizationReference.BlockScale(xq, b, 34);
}
