using System.Buffers;
using System.Buffers.Binary;
using LlmLab.Numerics;

namespace LlmLab.Backends.Cpu.Kernels;

/// <summary>
/// Rows of x quantised to Q8_0 (<see cref="Q8_0.Quantize"/>: ggml's quantize_row_q8_0_ref) and laid out for one
/// <see cref="IntegerDotPath"/>: the quants, each block's fp16(d) as a float, and per lane (four quants) the
/// correction an unsigned weight operand needs: -8 sum(qa) for Q4_0 nibbles (q - 8), -128 sum(qa) for Q8_0 bytes
/// offset by 128 (AVX-VNNI). The 512-bit path takes blocks in pairs (b even, b + 1) as 64 bytes
/// [b 0-15, b+1 0-15, b 16-31, b+1 16-31], the order its Q4_0 nibbles unpack in, and an odd block count is padded
/// with a zero block whose factor is 0.
/// </summary>
internal sealed class Q8Activations : IDisposable
{
    private Q8Activations(int rows, int blocks, int paddedBlocks, bool paired)
    {
        Rows = rows;
        Blocks = blocks;
        PaddedBlocks = paddedBlocks;
        Paired = paired;
        Quants = ArrayPool<byte>.Shared.Rent(Math.Max(1, rows * paddedBlocks * 32));
        Scales = ArrayPool<float>.Shared.Rent(Math.Max(1, rows * paddedBlocks));
        Corrections = ArrayPool<int>.Shared.Rent(Math.Max(1, rows * paddedBlocks * 8));
    }

    public int Rows { get; }
    public int Blocks { get; }
    /// <summary>Blocks a row holds in these arrays: <see cref="Blocks"/>, rounded up to even when paired.</summary>
    public int PaddedBlocks { get; }
    public bool Paired { get; }
    /// <summary>32 signed quants a block, rows one after another.</summary>
    public byte[] Quants { get; }
    /// <summary>fp16(d) of each block as a float (0 for the padding block).</summary>
    public float[] Scales { get; }
    /// <summary>Eight ints a block, in the order of the path's integer lanes.</summary>
    public int[] Corrections { get; }

    public ReadOnlySpan<byte> RowQuants(int m) => Quants.AsSpan(m * PaddedBlocks * 32, PaddedBlocks * 32);
    public ReadOnlySpan<float> RowScales(int m) => Scales.AsSpan(m * PaddedBlocks, PaddedBlocks);
    public ReadOnlySpan<int> RowCorrections(int m) => Corrections.AsSpan(m * PaddedBlocks * 8, PaddedBlocks * 8);

    /// <summary>x [rows, k] (k a multiple of 32) quantised for <paramref name="path"/> against a Q4_0 or a Q8_0 weight.</summary>
    public static Q8Activations Quantize(ReadOnlySpan<float> x, int rows, int k, IntegerDotPath path, bool q4Weight)
    {
        int blocks = k / Q8_0.BlockLength;
        bool paired = path == IntegerDotPath.Avx512;
        var a = new Q8Activations(rows, blocks, paired ? (blocks + 1) & ~1 : blocks, paired);
        int factor = q4Weight ? -8 : -128;
        var raw = ArrayPool<byte>.Shared.Rent(Math.Max(1, blocks * Q8_0.BlockBytes));
        try
        {
            for (int m = 0; m < rows; m++)
            {
                Q8_0.Quantize(x.Slice(m * k, k), raw);
                int first = m * a.PaddedBlocks;
                for (int b = 0; b < blocks; b++)
                {
                    var block = raw.AsSpan(b * Q8_0.BlockBytes, Q8_0.BlockBytes);
                    a.Scales[first + b] = Fp16.ToSingle(BinaryPrimitives.ReadUInt16LittleEndian(block));
                    var q = block[2..];
                    if (paired)
                    {
                        int pair = (first + (b & ~1)) * 32, odd = (b & 1) * 16;
                        q[..16].CopyTo(a.Quants.AsSpan(pair + odd));
                        q[16..].CopyTo(a.Quants.AsSpan(pair + 32 + odd));
                    }
                    else q.CopyTo(a.Quants.AsSpan((first + b) * 32));
                    for (int p = 0; p < 8; p++)
                    {
                        int sum = (sbyte)q[4 * p] + (sbyte)q[4 * p + 1] + (sbyte)q[4 * p + 2] + (sbyte)q[4 * p + 3];
                        a.Corrections[a.Lane(first, b, p)] = factor * sum;
                    }
                }
                if (a.PaddedBlocks > blocks) a.ClearPadding(first, blocks);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(raw);
        }
        return a;
    }

    /// <summary>Where lane p (quants 4p..4p+3) of block b of the row starting at block first sits in Corrections.</summary>
    private int Lane(int first, int b, int p)
    {
        if (!Paired) return (first + b) * 8 + p;
        // The 512-bit lanes of a pair: [b p0-3, b+1 p0-3, b p4-7, b+1 p4-7].
        int pair = (first + (b & ~1)) * 8, odd = (b & 1) * 4;
        return pair + (p < 4 ? odd + p : 8 + odd + p - 4);
    }

    private void ClearPadding(int first, int b)
    {
        Scales[first + b] = 0f;
        for (int p = 0; p < 8; p++) Corrections[Lane(first, b, p)] = 0;
        int pair = (first + (b & ~1)) * 32;
        Quants.AsSpan(pair + 16, 16).Clear();
        Quants.AsSpan(pair + 48, 16).Clear();
    }

    public void Dispose()
    {
        ArrayPool<byte>.Shared.Return(Quants);
        ArrayPool<float>.Shared.Return(Scales);
        ArrayPool<int>.Shared.Return(Corrections);
    }
}
