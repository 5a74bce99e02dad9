using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using LlmLab.Numerics;

namespace LlmLab.Backends.Cpu.Kernels;

/// <summary>
/// Rows of x quantised to Q8_0 (<see cref="Q8_0.Quantize"/>: ggml's quantize_row_q8_0_ref) and laid out for one
/// <see cref="IntegerDotPath"/>: the quants, each block's fp16(d) as a float, and per lane (four quants) the
/// correction an unsigned weight operand needs: -8 sum(qa) for Q4_0 nibbles (q - 8), -128 sum(qa) for Q8_0 bytes
/// offset by 128 (AVX-VNNI). The 512-bit path takes blocks in pairs (b even, b + 1), an odd count padded with a
/// zero block (scale 0); against Q4_0 a pair is interleaved as 64 bytes [b 0-15, b+1 0-15, b 16-31, b+1 16-31], the
/// order its nibbles unpack in.
/// The arrays start on 64-byte boundaries (one native allocation), so the vector loads never straddle cache lines.
/// </summary>
internal sealed unsafe class Q8Activations : IDisposable
{
    private readonly byte* _quants;
    private readonly float* _scales;
    private readonly int* _corrections;
    private byte* _memory;

    private Q8Activations(IntegerDotPath path, bool q4Weight, int rows, int blocks, int paddedBlocks)
    {
        Path = path;
        Q4Weight = q4Weight;
        Interleaved = path == IntegerDotPath.Avx512 && q4Weight;
        Rows = rows;
        Blocks = blocks;
        PaddedBlocks = paddedBlocks;
        int total = rows * paddedBlocks;
        nuint quantBytes = Aligned(total * 32), scaleBytes = Aligned(total * 4), correctionBytes = Aligned(total * 32);
        nuint bytes = Math.Max(64, quantBytes + scaleBytes + correctionBytes);
        _memory = (byte*)NativeMemory.AlignedAlloc(bytes, 64);
        NativeMemory.Clear(_memory, bytes); // the padding blocks stay zero
        _quants = _memory;
        _scales = (float*)(_memory + quantBytes);
        _corrections = (int*)(_memory + quantBytes + scaleBytes);
    }

    /// <summary>The path and weight format these activations are laid out for.</summary>
    public IntegerDotPath Path { get; }
    public bool Q4Weight { get; }
    /// <summary>Pairs of blocks interleaved by halves (512-bit against Q4_0).</summary>
    public bool Interleaved { get; }
    public int Rows { get; }
    public int Blocks { get; }
    /// <summary>Blocks a row holds in these arrays: <see cref="Blocks"/>, rounded up to even on the 512-bit path.</summary>
    public int PaddedBlocks { get; }
    /// <summary>32 signed quants a block, rows one after another.</summary>
    private Span<byte> Quants => new(_quants, Rows * PaddedBlocks * 32);
    /// <summary>fp16(d) of each block as a float (0 for the padding block).</summary>
    private Span<float> Scales => new(_scales, Rows * PaddedBlocks);
    /// <summary>Eight ints a block, in the order of the path's integer lanes.</summary>
    private Span<int> Corrections => new(_corrections, Rows * PaddedBlocks * 8);

    public ReadOnlySpan<byte> RowQuants(int m) => Quants.Slice(m * PaddedBlocks * 32, PaddedBlocks * 32);
    public ReadOnlySpan<float> RowScales(int m) => Scales.Slice(m * PaddedBlocks, PaddedBlocks);
    public ReadOnlySpan<int> RowCorrections(int m) => Corrections.Slice(m * PaddedBlocks * 8, PaddedBlocks * 8);

    private static nuint Aligned(int bytes) => (nuint)((bytes + 63) & ~63);

    /// <summary>x [rows, k] (k a multiple of 32) quantised for <paramref name="path"/> against a Q4_0 or a Q8_0 weight.</summary>
    public static Q8Activations Quantize(ReadOnlySpan<float> x, int rows, int k, IntegerDotPath path, bool q4Weight)
    {
        int blocks = k / Q8_0.BlockLength;
        var a = new Q8Activations(path, q4Weight, rows, blocks, path == IntegerDotPath.Avx512 ? (blocks + 1) & ~1 : blocks);
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
                    if (a.Interleaved)
                    {
                        int pair = (first + (b & ~1)) * 32, odd = (b & 1) * 16;
                        q[..16].CopyTo(a.Quants[(pair + odd)..]);
                        q[16..].CopyTo(a.Quants[(pair + 32 + odd)..]);
                    }
                    else q.CopyTo(a.Quants[((first + b) * 32)..]);
                    for (int p = 0; p < 8; p++)
                    {
                        int sum = (sbyte)q[4 * p] + (sbyte)q[4 * p + 1] + (sbyte)q[4 * p + 2] + (sbyte)q[4 * p + 3];
                        a.Corrections[a.Lane(first, b, p)] = factor * sum;
                    }
                }
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
        if (!Interleaved) return (first + b) * 8 + p;
        // The 512-bit lanes of a pair: [b p0-3, b+1 p0-3, b p4-7, b+1 p4-7].
        int pair = (first + (b & ~1)) * 8, odd = (b & 1) * 4;
        return pair + (p < 4 ? odd + p : 8 + odd + p - 4);
    }

    public void Dispose()
    {
        if (_memory is null) return;
        NativeMemory.AlignedFree(_memory);
        _memory = null;
    }
}
