namespace LlmLab.Tests.References;

/// <summary>
/// The quantisation formats as scalar code straight from their definitions: absmax and zero-point int8
/// (docs/references.md) and ggml's quantize_row_q8_0_ref / quantize_row_q4_0_ref (ggml-quants.c) line by line, with
/// System.Half for fp16 and C's roundf as MidpointRounding.AwayFromZero. The formats are bit-exact, so these work
/// in float32 exactly as the C does (each operation rounded on its own); dequantisation and matmul are float64.
/// </summary>
public static class QuantizationReference
{
    public static float RoundF(float v) => MathF.Round(v, MidpointRounding.AwayFromZero);

    public static float AbsmaxScale(ReadOnlySpan<float> x)
    {
        float max = 0f;
        foreach (float v in x) max = Math.Max(max, Math.Abs(v));
        return max == 0f ? 1f : 127f / max;
    }

    public static sbyte[] AbsmaxValues(ReadOnlySpan<float> x, float scale)
    {
        var q = new sbyte[x.Length];
        for (int i = 0; i < x.Length; i++) q[i] = (sbyte)RoundF(x[i] * scale);
        return q;
    }

    public static (float Scale, int ZeroPoint, sbyte[] Values) ZeroPoint(float[] x)
    {
        float min = x.Min(), max = x.Max();
        float scale = max == min ? 1f : 255f / (max - min);
        int zeroPoint = (int)RoundF(-min * scale) - 128;
        var q = x.Select(v => (sbyte)Math.Clamp((int)RoundF(v * scale) + zeroPoint, -128, 127)).ToArray();
        return (scale, zeroPoint, q);
    }

    public static byte[] Q8_0(float[] x)
    {
        var y = new byte[x.Length / 32 * 34];
        for (int i = 0; i < x.Length / 32; i++)
        {
            float amax = 0f;
            for (int j = 0; j < 32; j++) amax = Math.Max(amax, Math.Abs(x[i * 32 + j]));
            float d = amax / 127;
            float id = d != 0 ? 1f / d : 0f;
            WriteHalf(y, i * 34, d);
            for (int j = 0; j < 32; j++)
                y[i * 34 + 2 + j] = Int8OfC(RoundF(x[i * 32 + j] * id));
        }
        return y;
    }

    public static byte[] Q4_0(float[] x)
    {
        var y = new byte[x.Length / 32 * 18];
        for (int i = 0; i < x.Length / 32; i++)
        {
            float amax = 0f, max = 0f;
            for (int j = 0; j < 32; j++)
            {
                float v = x[i * 32 + j];
                if (amax < Math.Abs(v))
                {
                    amax = Math.Abs(v);
                    max = v;
                }
            }
            float d = max / -8;
            float id = d != 0 ? 1f / d : 0f;
            WriteHalf(y, i * 18, d);
            for (int j = 0; j < 16; j++)
            {
                float x0 = x[i * 32 + j] * id;
                float x1 = x[i * 32 + 16 + j] * id;
                int xi0 = Math.Min(15, (int)(sbyte)Int8OfC(x0 + 8.5f));
                int xi1 = Math.Min(15, (int)(sbyte)Int8OfC(x1 + 8.5f));
                y[i * 18 + 2 + j] = (byte)(xi0 | (xi1 << 4));
            }
        }
        return y;
    }

    /// <summary>C's (int8_t) of a float as ggml's x86 build computes it: truncation, and 0 for an infinity or NaN
    /// (cvttss2si gives 0x80000000, whose low byte is 0), which a block so small that 1 / d overflows produces.</summary>
    private static byte Int8OfC(float v) => float.IsFinite(v) ? (byte)(sbyte)(int)v : (byte)0;

    /// <summary>The fp16 d of each block, as a float (exact).</summary>
    public static float BlockScale(byte[] blocks, int block, int blockBytes) =>
        (float)BitConverter.UInt16BitsToHalf((ushort)(blocks[block * blockBytes] | blocks[block * blockBytes + 1] << 8));

    /// <summary>ggml's dequantize_row_q8_0 / q4_0 in float: q * d per value.</summary>
    public static float[] DequantizeBlocks(byte[] blocks, bool q4)
    {
        int blockBytes = q4 ? 18 : 34, count = blocks.Length / blockBytes;
        var y = new float[count * 32];
        for (int i = 0; i < count; i++)
        {
            float d = BlockScale(blocks, i, blockBytes);
            for (int j = 0; j < 32; j++)
                y[i * 32 + j] = q4 ? Nibble(blocks, i, j) * d : (sbyte)blocks[i * 34 + 2 + j] * d;
        }
        return y;
    }

    public static int Nibble(byte[] blocks, int block, int j)
    {
        int packed = blocks[block * 18 + 2 + (j & 15)];
        return (j < 16 ? packed & 15 : packed >> 4) - 8;
    }

    /// <summary>y [rows, n] = x [rows, k] w^T + bias in float64, and sum_k |x||w| per output (the error scale).</summary>
    public static (double[] Y, double[] Magnitude) Linear(float[] x, int rows, int k, double[] w, int n, float[]? bias)
    {
        var y = new double[rows * n];
        var magnitude = new double[rows * n];
        for (int m = 0; m < rows; m++)
            for (int j = 0; j < n; j++)
            {
                double s = bias is null ? 0 : bias[j], a = 0;
                for (int i = 0; i < k; i++)
                {
                    s += (double)x[m * k + i] * w[j * k + i];
                    a += Math.Abs((double)x[m * k + i] * w[j * k + i]);
                }
                y[m * n + j] = s;
                magnitude[m * n + j] = a;
            }
        return (y, magnitude);
    }

    private static void WriteHalf(byte[] y, int o, float d)
    {
        ushort h = BitConverter.HalfToUInt16Bits((Half)d);
        y[o] = (byte)h;
        y[o + 1] = (byte)(h >> 8);
    }

    /// <summary>Q8_0 or Q4_0 bytes of a matrix [rows, width] drawn from N(0, 0.5), by the reference quantisers.</summary>
    public static byte[] NormalBlocks(int rows, int width, bool q4, int seed)
    {
        var w = Infrastructure.TestData.Normal(seed, (long)rows * width, 0.5f);
        return q4 ? Q4_0(w) : Q8_0(w);
    }

    /// <summary>Blocks of arbitrary quant bytes (every Q8_0 value, -128 too, and every nibble) with normal fp16 scales of many magnitudes.</summary>
    public static byte[] RandomBlocks(int rows, int width, bool q4, int seed)
    {
        var random = new System.Random(seed);
        int blockBytes = q4 ? 18 : 34;
        var bytes = new byte[rows * (width / 32) * blockBytes];
        random.NextBytes(bytes);
        for (int o = 0; o < bytes.Length; o += blockBytes)
        {
            ushort h = BitConverter.HalfToUInt16Bits((Half)((random.NextDouble() - 0.5) * Math.Pow(2, random.Next(-12, 6))));
            bytes[o] = (byte)h;
            bytes[o + 1] = (byte)(h >> 8);
        }
        return bytes;
    }
}
