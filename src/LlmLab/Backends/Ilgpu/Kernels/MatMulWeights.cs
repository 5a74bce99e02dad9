using ILGPU;

namespace LlmLab.Backends.Ilgpu.Kernels;

/// <summary>
/// How a <see cref="MatMulTileKernel"/> launch stores its B operand, as a type argument so that each format compiles
/// its own kernel with the others' code folded away: f32 (B itself, any strides) or a weight W [N, K] quantised by
/// rows (int8, Q8_0 or Q4_0 blocks) used as W^T and dequantised as its k slices are staged in shared memory, so a
/// prefill over a quantised weight runs on the same big tiles as f32 and the f32 weight never exists. Internal:
/// ILGPU's generated code sees them through LlmLab.csproj's InternalsVisibleTo("ILGPURuntime").
/// </summary>
internal interface IMatMulWeights
{
    int Format { get; }
}

internal struct F32Weights : IMatMulWeights
{
    public readonly int Format => MatMulWeights.F32;
}

internal struct Int8Weights : IMatMulWeights
{
    public readonly int Format => MatMulWeights.Int8;
}

internal struct Q8_0Weights : IMatMulWeights
{
    public readonly int Format => MatMulWeights.Q8_0;
}

internal struct Q4_0Weights : IMatMulWeights
{
    public readonly int Format => MatMulWeights.Q4_0;
}

internal static class MatMulWeights
{
    public const int F32 = 0, Int8 = 1, Q8_0 = 2, Q4_0 = 3;

    /// <summary>
    /// Float4 number <paramref name="q"/> of a tileLanes x depth slice of W^T, numbered as MatMulTileKernel's Fetch4
    /// numbers a slice that runs along k: the 4 consecutive k from k0 + q % (depth / 4) * 4 of weight row lane0 + q /
    /// (depth / 4), 0 outside [0, lanes) x [0, kEnd). Int8 rows give their integers (the row scale divides the sums
    /// at the end, as <see cref="QuantMatMulKernels"/> does), one 4-byte load when <paramref name="vector"/>; a block
    /// gives q * d, the four values always in one 32-value block because k is a multiple of 4.
    /// </summary>
    public static Float4 Fetch4(ArrayView<byte> w, int format, long rowBytes, int lane0, int lanes, int k0, int kEnd,
        bool vector, int depth, int q)
    {
        int lane = lane0 + q / (depth / 4), k = k0 + q % (depth / 4) * 4;
        if (lane >= lanes || k >= kEnd) return default;
        long row = lane * rowBytes;
        if (format == Int8)
        {
            if (vector && k + 3 < kEnd)
            {
                int packed = w.Cast<int>()[(row + k) >> 2];
                return new Float4((sbyte)packed, (sbyte)(packed >> 8), (sbyte)(packed >> 16), packed >> 24);
            }
            return new Float4((sbyte)w[row + k], k + 1 < kEnd ? (sbyte)w[row + k + 1] : 0f,
                k + 2 < kEnd ? (sbyte)w[row + k + 2] : 0f, k + 3 < kEnd ? (sbyte)w[row + k + 3] : 0f);
        }
        int j = k % 32;
        if (format == Q8_0)
        {
            long o = row + k / 32 * 34;
            return QuantBlockKernels.ReadHalf(w, o) * new Float4((sbyte)w[o + 2 + j], (sbyte)w[o + 3 + j], (sbyte)w[o + 4 + j], (sbyte)w[o + 5 + j]);
        }
        // Q4_0: values j < 16 are the low nibbles of bytes 2 + j, the rest the high nibbles of bytes 2 + j - 16.
        long b = row + k / 32 * 18;
        long at = b + 2 + (j & 15);
        int shift = j < 16 ? 0 : 4;
        return QuantBlockKernels.ReadHalf(w, b) * new Float4(((w[at] >> shift) & 15) - 8, ((w[at + 1] >> shift) & 15) - 8,
            ((w[at + 2] >> shift) & 15) - 8, ((w[at + 3] >> shift) & 15) - 8);
    }

    /// <summary>The int8 scale of output column <paramref name="col"/>: one for the tensor (mode 1) or one a weight row (2).</summary>
    public static float Scale(ArrayView<float> scales, int scaleMode, int col) => scaleMode == 1 ? scales[0] : scales[col];
}
