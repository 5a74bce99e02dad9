using ILGPU;

namespace LlmLab.Backends.Ilgpu.Kernels;

/// <summary>
/// Sizes and strides of one tiled-matmul launch, passed by value. Element (row, k) of an A operand sits at
/// batch * ABatch + row * ARow + k * AK, element (k, col) of a B operand at batch * BBatch + k * BK + col * BCol.
/// Segment 2 (K2 &gt; 0) continues the k sum with other operands: LoRA's (x A^T) and B^T after x and W^T.
/// Internal: ILGPU's generated code sees it through LlmLab.csproj's InternalsVisibleTo("ILGPURuntime").
/// </summary>
internal struct MatMulArgs
{
    public int M, N, K1, K2;
    public long A1Row, A1K, A1Batch, B1K, B1Col, B1Batch;
    public long A2Row, A2K, A2Batch, B2K, B2Col, B2Batch;
    /// <summary>Multiplies segment 1's and segment 2's A tiles as they are loaded (LoRA's scale).</summary>
    public float Scale1, Scale2;
    public long CBatch;
    /// <summary>The batch of grid z = 0 (a grid's z is limited to 65535: big batches take several launches).</summary>
    public int BatchStart;
    /// <summary>Non-zero: add bias[col] to every row.</summary>
    public int HasBias;
    /// <summary>Non-zero: C = C + the product (an in-place update such as a LoRA merge).</summary>
    public int Accumulate;
    /// <summary>
    /// Split-K (<see cref="MatMulTileKernel"/> only; set by the host, 1 for none): grid z is batch * Splits + split, and
    /// split s sums k in [s * KChunk, (s + 1) * KChunk) of segment 1 into its own slice of C (a workspace, no bias),
    /// which <see cref="MatMulSplitKernel"/> then adds up in split order.
    /// </summary>
    public int Splits, KChunk;
    /// <summary>A quantised B (<see cref="MatMulWeights"/>): bytes per weight row, and for int8 where the scales are
    /// (1: one for the tensor, 2: one a row).</summary>
    public long WeightRowBytes;
    public int ScaleMode;
    /// <summary>
    /// Which operands may move as 16-byte Float4s (the <c>Vector*</c> bits): the view is 16-byte aligned, and the strides
    /// of the axis that is not contiguous and of the batch are multiples of 4. Set by the host; the kernels still fall
    /// back to scalar loads on edge tiles. The first kernel (<see cref="MatMulKernels"/>) ignores it.
    /// </summary>
    public int Vector;

    public const int VectorA1 = 1, VectorB1 = 2, VectorA2 = 4, VectorB2 = 8, VectorC = 16;
}

/// <summary>
/// The first tiled kernel ("legacy": kept as the fallback and the baseline the newer ones are timed against).
/// C [M, N] = A B (+ bias) per batch, tiled for a GPU: a group of 256 threads owns a 128 x 128 tile of C, each
/// thread 8 x 8 outputs in registers (rows ty + 16 i, columns tx + 16 j, so shared-memory reads are broadcasts or
/// conflict-free and stores are coalesced). Each step stages an 8-deep k slice of A and B in shared memory (k-major,
/// rows padded against bank conflicts, two buffers so the next slice's loads overlap this one's arithmetic), loaded
/// along whichever axis is contiguous in global memory, with zeros past the edges; then 8 k steps of 64 multiply-adds
/// each, unrolled by hand.
/// </summary>
internal static class MatMulKernels
{
    public const int Tile = 128;
    public const int Depth = 8;
    public const int Threads = 256;
    /// <summary>Padded shared row length: the transposing tile loads hit distinct banks.</summary>
    private const int Pad = Tile + 4;

    public static void MatMul(ArrayView<float> aFirst, ArrayView<float> bFirst, ArrayView<float> aSecond, ArrayView<float> bSecond,
        ArrayView<float> bias, ArrayView<float> c, MatMulArgs p)
    {
        var tileA = SharedMemory.Allocate<float>(2 * Depth * Pad);
        var tileB = SharedMemory.Allocate<float>(2 * Depth * Pad);
        int thread = Group.IdxX, tx = thread & 15, ty = thread >> 4;
        int n0 = Grid.IdxX * Tile, m0 = Grid.IdxY * Tile;
        long batch = p.BatchStart + Grid.IdxZ;

        float c00 = 0f, c01 = 0f, c02 = 0f, c03 = 0f, c04 = 0f, c05 = 0f, c06 = 0f, c07 = 0f;
        float c10 = 0f, c11 = 0f, c12 = 0f, c13 = 0f, c14 = 0f, c15 = 0f, c16 = 0f, c17 = 0f;
        float c20 = 0f, c21 = 0f, c22 = 0f, c23 = 0f, c24 = 0f, c25 = 0f, c26 = 0f, c27 = 0f;
        float c30 = 0f, c31 = 0f, c32 = 0f, c33 = 0f, c34 = 0f, c35 = 0f, c36 = 0f, c37 = 0f;
        float c40 = 0f, c41 = 0f, c42 = 0f, c43 = 0f, c44 = 0f, c45 = 0f, c46 = 0f, c47 = 0f;
        float c50 = 0f, c51 = 0f, c52 = 0f, c53 = 0f, c54 = 0f, c55 = 0f, c56 = 0f, c57 = 0f;
        float c60 = 0f, c61 = 0f, c62 = 0f, c63 = 0f, c64 = 0f, c65 = 0f, c66 = 0f, c67 = 0f;
        float c70 = 0f, c71 = 0f, c72 = 0f, c73 = 0f, c74 = 0f, c75 = 0f, c76 = 0f, c77 = 0f;

        // Double-buffered: while one shared slice feeds the multiply-adds, the next slice's global loads are in flight
        // in registers, and land in the other buffer; one barrier per step.
        int steps1 = (p.K1 + Depth - 1) / Depth, steps = steps1 + (p.K2 + Depth - 1) / Depth;
        var nextA = FetchA(aFirst, aSecond, p, batch, m0, 0, steps1, thread);
        var nextB = FetchB(bFirst, bSecond, p, batch, n0, 0, steps1, thread);
        Commit(tileA, 0, nextA, thread, (steps1 > 0 ? p.A1K : p.A2K) == 1);
        Commit(tileB, 0, nextB, thread, (steps1 > 0 ? p.B1K : p.B2K) == 1);
        Group.Barrier();
        for (int step = 0; step < steps; step++)
        {
            int current = (step & 1) * Depth * Pad;
            // This thread's lanes of the current slices: a view per operand, so the reads below use constant offsets.
            var a = tileA.SubView(current + ty, Depth * Pad - ty);
            var b = tileB.SubView(current + tx, Depth * Pad - tx);
            if (step + 1 < steps)
            {
                nextA = FetchA(aFirst, aSecond, p, batch, m0, step + 1, steps1, thread);
                nextB = FetchB(bFirst, bSecond, p, batch, n0, step + 1, steps1, thread);
            }

            // k = 0
            {
                float a0 = a[0 * Pad + 0]; float a1 = a[0 * Pad + 16]; float a2 = a[0 * Pad + 32]; float a3 = a[0 * Pad + 48]; float a4 = a[0 * Pad + 64]; float a5 = a[0 * Pad + 80]; float a6 = a[0 * Pad + 96]; float a7 = a[0 * Pad + 112];
                float b0 = b[0 * Pad + 0]; float b1 = b[0 * Pad + 16]; float b2 = b[0 * Pad + 32]; float b3 = b[0 * Pad + 48]; float b4 = b[0 * Pad + 64]; float b5 = b[0 * Pad + 80]; float b6 = b[0 * Pad + 96]; float b7 = b[0 * Pad + 112];
                c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3; c04 += a0 * b4; c05 += a0 * b5; c06 += a0 * b6; c07 += a0 * b7;
                c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3; c14 += a1 * b4; c15 += a1 * b5; c16 += a1 * b6; c17 += a1 * b7;
                c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3; c24 += a2 * b4; c25 += a2 * b5; c26 += a2 * b6; c27 += a2 * b7;
                c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3; c34 += a3 * b4; c35 += a3 * b5; c36 += a3 * b6; c37 += a3 * b7;
                c40 += a4 * b0; c41 += a4 * b1; c42 += a4 * b2; c43 += a4 * b3; c44 += a4 * b4; c45 += a4 * b5; c46 += a4 * b6; c47 += a4 * b7;
                c50 += a5 * b0; c51 += a5 * b1; c52 += a5 * b2; c53 += a5 * b3; c54 += a5 * b4; c55 += a5 * b5; c56 += a5 * b6; c57 += a5 * b7;
                c60 += a6 * b0; c61 += a6 * b1; c62 += a6 * b2; c63 += a6 * b3; c64 += a6 * b4; c65 += a6 * b5; c66 += a6 * b6; c67 += a6 * b7;
                c70 += a7 * b0; c71 += a7 * b1; c72 += a7 * b2; c73 += a7 * b3; c74 += a7 * b4; c75 += a7 * b5; c76 += a7 * b6; c77 += a7 * b7;
            }
            // k = 1
            {
                float a0 = a[1 * Pad + 0]; float a1 = a[1 * Pad + 16]; float a2 = a[1 * Pad + 32]; float a3 = a[1 * Pad + 48]; float a4 = a[1 * Pad + 64]; float a5 = a[1 * Pad + 80]; float a6 = a[1 * Pad + 96]; float a7 = a[1 * Pad + 112];
                float b0 = b[1 * Pad + 0]; float b1 = b[1 * Pad + 16]; float b2 = b[1 * Pad + 32]; float b3 = b[1 * Pad + 48]; float b4 = b[1 * Pad + 64]; float b5 = b[1 * Pad + 80]; float b6 = b[1 * Pad + 96]; float b7 = b[1 * Pad + 112];
                c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3; c04 += a0 * b4; c05 += a0 * b5; c06 += a0 * b6; c07 += a0 * b7;
                c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3; c14 += a1 * b4; c15 += a1 * b5; c16 += a1 * b6; c17 += a1 * b7;
                c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3; c24 += a2 * b4; c25 += a2 * b5; c26 += a2 * b6; c27 += a2 * b7;
                c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3; c34 += a3 * b4; c35 += a3 * b5; c36 += a3 * b6; c37 += a3 * b7;
                c40 += a4 * b0; c41 += a4 * b1; c42 += a4 * b2; c43 += a4 * b3; c44 += a4 * b4; c45 += a4 * b5; c46 += a4 * b6; c47 += a4 * b7;
                c50 += a5 * b0; c51 += a5 * b1; c52 += a5 * b2; c53 += a5 * b3; c54 += a5 * b4; c55 += a5 * b5; c56 += a5 * b6; c57 += a5 * b7;
                c60 += a6 * b0; c61 += a6 * b1; c62 += a6 * b2; c63 += a6 * b3; c64 += a6 * b4; c65 += a6 * b5; c66 += a6 * b6; c67 += a6 * b7;
                c70 += a7 * b0; c71 += a7 * b1; c72 += a7 * b2; c73 += a7 * b3; c74 += a7 * b4; c75 += a7 * b5; c76 += a7 * b6; c77 += a7 * b7;
            }
            // k = 2
            {
                float a0 = a[2 * Pad + 0]; float a1 = a[2 * Pad + 16]; float a2 = a[2 * Pad + 32]; float a3 = a[2 * Pad + 48]; float a4 = a[2 * Pad + 64]; float a5 = a[2 * Pad + 80]; float a6 = a[2 * Pad + 96]; float a7 = a[2 * Pad + 112];
                float b0 = b[2 * Pad + 0]; float b1 = b[2 * Pad + 16]; float b2 = b[2 * Pad + 32]; float b3 = b[2 * Pad + 48]; float b4 = b[2 * Pad + 64]; float b5 = b[2 * Pad + 80]; float b6 = b[2 * Pad + 96]; float b7 = b[2 * Pad + 112];
                c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3; c04 += a0 * b4; c05 += a0 * b5; c06 += a0 * b6; c07 += a0 * b7;
                c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3; c14 += a1 * b4; c15 += a1 * b5; c16 += a1 * b6; c17 += a1 * b7;
                c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3; c24 += a2 * b4; c25 += a2 * b5; c26 += a2 * b6; c27 += a2 * b7;
                c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3; c34 += a3 * b4; c35 += a3 * b5; c36 += a3 * b6; c37 += a3 * b7;
                c40 += a4 * b0; c41 += a4 * b1; c42 += a4 * b2; c43 += a4 * b3; c44 += a4 * b4; c45 += a4 * b5; c46 += a4 * b6; c47 += a4 * b7;
                c50 += a5 * b0; c51 += a5 * b1; c52 += a5 * b2; c53 += a5 * b3; c54 += a5 * b4; c55 += a5 * b5; c56 += a5 * b6; c57 += a5 * b7;
                c60 += a6 * b0; c61 += a6 * b1; c62 += a6 * b2; c63 += a6 * b3; c64 += a6 * b4; c65 += a6 * b5; c66 += a6 * b6; c67 += a6 * b7;
                c70 += a7 * b0; c71 += a7 * b1; c72 += a7 * b2; c73 += a7 * b3; c74 += a7 * b4; c75 += a7 * b5; c76 += a7 * b6; c77 += a7 * b7;
            }
            // k = 3
            {
                float a0 = a[3 * Pad + 0]; float a1 = a[3 * Pad + 16]; float a2 = a[3 * Pad + 32]; float a3 = a[3 * Pad + 48]; float a4 = a[3 * Pad + 64]; float a5 = a[3 * Pad + 80]; float a6 = a[3 * Pad + 96]; float a7 = a[3 * Pad + 112];
                float b0 = b[3 * Pad + 0]; float b1 = b[3 * Pad + 16]; float b2 = b[3 * Pad + 32]; float b3 = b[3 * Pad + 48]; float b4 = b[3 * Pad + 64]; float b5 = b[3 * Pad + 80]; float b6 = b[3 * Pad + 96]; float b7 = b[3 * Pad + 112];
                c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3; c04 += a0 * b4; c05 += a0 * b5; c06 += a0 * b6; c07 += a0 * b7;
                c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3; c14 += a1 * b4; c15 += a1 * b5; c16 += a1 * b6; c17 += a1 * b7;
                c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3; c24 += a2 * b4; c25 += a2 * b5; c26 += a2 * b6; c27 += a2 * b7;
                c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3; c34 += a3 * b4; c35 += a3 * b5; c36 += a3 * b6; c37 += a3 * b7;
                c40 += a4 * b0; c41 += a4 * b1; c42 += a4 * b2; c43 += a4 * b3; c44 += a4 * b4; c45 += a4 * b5; c46 += a4 * b6; c47 += a4 * b7;
                c50 += a5 * b0; c51 += a5 * b1; c52 += a5 * b2; c53 += a5 * b3; c54 += a5 * b4; c55 += a5 * b5; c56 += a5 * b6; c57 += a5 * b7;
                c60 += a6 * b0; c61 += a6 * b1; c62 += a6 * b2; c63 += a6 * b3; c64 += a6 * b4; c65 += a6 * b5; c66 += a6 * b6; c67 += a6 * b7;
                c70 += a7 * b0; c71 += a7 * b1; c72 += a7 * b2; c73 += a7 * b3; c74 += a7 * b4; c75 += a7 * b5; c76 += a7 * b6; c77 += a7 * b7;
            }
            // k = 4
            {
                float a0 = a[4 * Pad + 0]; float a1 = a[4 * Pad + 16]; float a2 = a[4 * Pad + 32]; float a3 = a[4 * Pad + 48]; float a4 = a[4 * Pad + 64]; float a5 = a[4 * Pad + 80]; float a6 = a[4 * Pad + 96]; float a7 = a[4 * Pad + 112];
                float b0 = b[4 * Pad + 0]; float b1 = b[4 * Pad + 16]; float b2 = b[4 * Pad + 32]; float b3 = b[4 * Pad + 48]; float b4 = b[4 * Pad + 64]; float b5 = b[4 * Pad + 80]; float b6 = b[4 * Pad + 96]; float b7 = b[4 * Pad + 112];
                c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3; c04 += a0 * b4; c05 += a0 * b5; c06 += a0 * b6; c07 += a0 * b7;
                c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3; c14 += a1 * b4; c15 += a1 * b5; c16 += a1 * b6; c17 += a1 * b7;
                c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3; c24 += a2 * b4; c25 += a2 * b5; c26 += a2 * b6; c27 += a2 * b7;
                c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3; c34 += a3 * b4; c35 += a3 * b5; c36 += a3 * b6; c37 += a3 * b7;
                c40 += a4 * b0; c41 += a4 * b1; c42 += a4 * b2; c43 += a4 * b3; c44 += a4 * b4; c45 += a4 * b5; c46 += a4 * b6; c47 += a4 * b7;
                c50 += a5 * b0; c51 += a5 * b1; c52 += a5 * b2; c53 += a5 * b3; c54 += a5 * b4; c55 += a5 * b5; c56 += a5 * b6; c57 += a5 * b7;
                c60 += a6 * b0; c61 += a6 * b1; c62 += a6 * b2; c63 += a6 * b3; c64 += a6 * b4; c65 += a6 * b5; c66 += a6 * b6; c67 += a6 * b7;
                c70 += a7 * b0; c71 += a7 * b1; c72 += a7 * b2; c73 += a7 * b3; c74 += a7 * b4; c75 += a7 * b5; c76 += a7 * b6; c77 += a7 * b7;
            }
            // k = 5
            {
                float a0 = a[5 * Pad + 0]; float a1 = a[5 * Pad + 16]; float a2 = a[5 * Pad + 32]; float a3 = a[5 * Pad + 48]; float a4 = a[5 * Pad + 64]; float a5 = a[5 * Pad + 80]; float a6 = a[5 * Pad + 96]; float a7 = a[5 * Pad + 112];
                float b0 = b[5 * Pad + 0]; float b1 = b[5 * Pad + 16]; float b2 = b[5 * Pad + 32]; float b3 = b[5 * Pad + 48]; float b4 = b[5 * Pad + 64]; float b5 = b[5 * Pad + 80]; float b6 = b[5 * Pad + 96]; float b7 = b[5 * Pad + 112];
                c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3; c04 += a0 * b4; c05 += a0 * b5; c06 += a0 * b6; c07 += a0 * b7;
                c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3; c14 += a1 * b4; c15 += a1 * b5; c16 += a1 * b6; c17 += a1 * b7;
                c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3; c24 += a2 * b4; c25 += a2 * b5; c26 += a2 * b6; c27 += a2 * b7;
                c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3; c34 += a3 * b4; c35 += a3 * b5; c36 += a3 * b6; c37 += a3 * b7;
                c40 += a4 * b0; c41 += a4 * b1; c42 += a4 * b2; c43 += a4 * b3; c44 += a4 * b4; c45 += a4 * b5; c46 += a4 * b6; c47 += a4 * b7;
                c50 += a5 * b0; c51 += a5 * b1; c52 += a5 * b2; c53 += a5 * b3; c54 += a5 * b4; c55 += a5 * b5; c56 += a5 * b6; c57 += a5 * b7;
                c60 += a6 * b0; c61 += a6 * b1; c62 += a6 * b2; c63 += a6 * b3; c64 += a6 * b4; c65 += a6 * b5; c66 += a6 * b6; c67 += a6 * b7;
                c70 += a7 * b0; c71 += a7 * b1; c72 += a7 * b2; c73 += a7 * b3; c74 += a7 * b4; c75 += a7 * b5; c76 += a7 * b6; c77 += a7 * b7;
            }
            // k = 6
            {
                float a0 = a[6 * Pad + 0]; float a1 = a[6 * Pad + 16]; float a2 = a[6 * Pad + 32]; float a3 = a[6 * Pad + 48]; float a4 = a[6 * Pad + 64]; float a5 = a[6 * Pad + 80]; float a6 = a[6 * Pad + 96]; float a7 = a[6 * Pad + 112];
                float b0 = b[6 * Pad + 0]; float b1 = b[6 * Pad + 16]; float b2 = b[6 * Pad + 32]; float b3 = b[6 * Pad + 48]; float b4 = b[6 * Pad + 64]; float b5 = b[6 * Pad + 80]; float b6 = b[6 * Pad + 96]; float b7 = b[6 * Pad + 112];
                c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3; c04 += a0 * b4; c05 += a0 * b5; c06 += a0 * b6; c07 += a0 * b7;
                c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3; c14 += a1 * b4; c15 += a1 * b5; c16 += a1 * b6; c17 += a1 * b7;
                c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3; c24 += a2 * b4; c25 += a2 * b5; c26 += a2 * b6; c27 += a2 * b7;
                c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3; c34 += a3 * b4; c35 += a3 * b5; c36 += a3 * b6; c37 += a3 * b7;
                c40 += a4 * b0; c41 += a4 * b1; c42 += a4 * b2; c43 += a4 * b3; c44 += a4 * b4; c45 += a4 * b5; c46 += a4 * b6; c47 += a4 * b7;
                c50 += a5 * b0; c51 += a5 * b1; c52 += a5 * b2; c53 += a5 * b3; c54 += a5 * b4; c55 += a5 * b5; c56 += a5 * b6; c57 += a5 * b7;
                c60 += a6 * b0; c61 += a6 * b1; c62 += a6 * b2; c63 += a6 * b3; c64 += a6 * b4; c65 += a6 * b5; c66 += a6 * b6; c67 += a6 * b7;
                c70 += a7 * b0; c71 += a7 * b1; c72 += a7 * b2; c73 += a7 * b3; c74 += a7 * b4; c75 += a7 * b5; c76 += a7 * b6; c77 += a7 * b7;
            }
            // k = 7
            {
                float a0 = a[7 * Pad + 0]; float a1 = a[7 * Pad + 16]; float a2 = a[7 * Pad + 32]; float a3 = a[7 * Pad + 48]; float a4 = a[7 * Pad + 64]; float a5 = a[7 * Pad + 80]; float a6 = a[7 * Pad + 96]; float a7 = a[7 * Pad + 112];
                float b0 = b[7 * Pad + 0]; float b1 = b[7 * Pad + 16]; float b2 = b[7 * Pad + 32]; float b3 = b[7 * Pad + 48]; float b4 = b[7 * Pad + 64]; float b5 = b[7 * Pad + 80]; float b6 = b[7 * Pad + 96]; float b7 = b[7 * Pad + 112];
                c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3; c04 += a0 * b4; c05 += a0 * b5; c06 += a0 * b6; c07 += a0 * b7;
                c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3; c14 += a1 * b4; c15 += a1 * b5; c16 += a1 * b6; c17 += a1 * b7;
                c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3; c24 += a2 * b4; c25 += a2 * b5; c26 += a2 * b6; c27 += a2 * b7;
                c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3; c34 += a3 * b4; c35 += a3 * b5; c36 += a3 * b6; c37 += a3 * b7;
                c40 += a4 * b0; c41 += a4 * b1; c42 += a4 * b2; c43 += a4 * b3; c44 += a4 * b4; c45 += a4 * b5; c46 += a4 * b6; c47 += a4 * b7;
                c50 += a5 * b0; c51 += a5 * b1; c52 += a5 * b2; c53 += a5 * b3; c54 += a5 * b4; c55 += a5 * b5; c56 += a5 * b6; c57 += a5 * b7;
                c60 += a6 * b0; c61 += a6 * b1; c62 += a6 * b2; c63 += a6 * b3; c64 += a6 * b4; c65 += a6 * b5; c66 += a6 * b6; c67 += a6 * b7;
                c70 += a7 * b0; c71 += a7 * b1; c72 += a7 * b2; c73 += a7 * b3; c74 += a7 * b4; c75 += a7 * b5; c76 += a7 * b6; c77 += a7 * b7;
            }
            if (step + 1 < steps)
            {
                int next = Depth * Pad - current;
                bool second = step + 1 >= steps1;
                Commit(tileA, next, nextA, thread, (second ? p.A2K : p.A1K) == 1);
                Commit(tileB, next, nextB, thread, (second ? p.B2K : p.B1K) == 1);
            }
            Group.Barrier();
        }

        long rowBase = batch * p.CBatch;
        Store(c, bias, p, rowBase, m0 + ty + 0, n0 + tx, c00, c01, c02, c03, c04, c05, c06, c07);
        Store(c, bias, p, rowBase, m0 + ty + 16, n0 + tx, c10, c11, c12, c13, c14, c15, c16, c17);
        Store(c, bias, p, rowBase, m0 + ty + 32, n0 + tx, c20, c21, c22, c23, c24, c25, c26, c27);
        Store(c, bias, p, rowBase, m0 + ty + 48, n0 + tx, c30, c31, c32, c33, c34, c35, c36, c37);
        Store(c, bias, p, rowBase, m0 + ty + 64, n0 + tx, c40, c41, c42, c43, c44, c45, c46, c47);
        Store(c, bias, p, rowBase, m0 + ty + 80, n0 + tx, c50, c51, c52, c53, c54, c55, c56, c57);
        Store(c, bias, p, rowBase, m0 + ty + 96, n0 + tx, c60, c61, c62, c63, c64, c65, c66, c67);
        Store(c, bias, p, rowBase, m0 + ty + 112, n0 + tx, c70, c71, c72, c73, c74, c75, c76, c77);
    }

    /// <summary>This thread's 4 values of A's k slice <paramref name="step"/> (segment 1's steps, then segment 2's).</summary>
    private static Slice FetchA(ArrayView<float> aFirst, ArrayView<float> aSecond, MatMulArgs p, long batch, int m0, int step, int steps1, int thread) =>
        step < steps1
            ? Fetch(aFirst, batch * p.A1Batch, p.A1Row, p.A1K, m0, p.M, step * Depth, p.K1, p.Scale1, thread)
            : Fetch(aSecond, batch * p.A2Batch, p.A2Row, p.A2K, m0, p.M, (step - steps1) * Depth, p.K2, p.Scale2, thread);

    private static Slice FetchB(ArrayView<float> bFirst, ArrayView<float> bSecond, MatMulArgs p, long batch, int n0, int step, int steps1, int thread) =>
        step < steps1
            ? Fetch(bFirst, batch * p.B1Batch, p.B1Col, p.B1K, n0, p.N, step * Depth, p.K1, 1f, thread)
            : Fetch(bSecond, batch * p.B2Batch, p.B2Col, p.B2K, n0, p.N, (step - steps1) * Depth, p.K2, 1f, thread);

    /// <summary>
    /// This thread's 4 elements (indices thread + q * 256) of a 128-lane x 8-k slice: scale * src[offset + (lane0 + lane)
    /// * laneStride + (k0 + kk) * kStride], 0 outside [0, lanes) x [0, kEnd). Consecutive threads walk whichever axis
    /// is contiguous in memory, so global reads coalesce.
    /// </summary>
    private static Slice Fetch(ArrayView<float> src, long offset, long laneStride, long kStride, int lane0, int lanes, int k0,
        int kEnd, float scale, int thread) => new()
        {
            V0 = Load(src, offset, laneStride, kStride, lane0, lanes, k0, kEnd, scale, thread),
            V1 = Load(src, offset, laneStride, kStride, lane0, lanes, k0, kEnd, scale, thread + Threads),
            V2 = Load(src, offset, laneStride, kStride, lane0, lanes, k0, kEnd, scale, thread + 2 * Threads),
            V3 = Load(src, offset, laneStride, kStride, lane0, lanes, k0, kEnd, scale, thread + 3 * Threads),
        };

    private static float Load(ArrayView<float> src, long offset, long laneStride, long kStride, int lane0, int lanes, int k0,
        int kEnd, float scale, int index)
    {
        int l = lane0 + Lane(index, kStride == 1), k = k0 + Kk(index, kStride == 1);
        return l < lanes && k < kEnd ? scale * src[offset + l * laneStride + k * kStride] : 0f;
    }

    /// <summary>Stores a fetched slice k-major into the shared buffer at <paramref name="start"/>.</summary>
    private static void Commit(ArrayView<float> tile, int start, Slice s, int thread, bool alongK)
    {
        tile[start + Kk(thread, alongK) * Pad + Lane(thread, alongK)] = s.V0;
        tile[start + Kk(thread + Threads, alongK) * Pad + Lane(thread + Threads, alongK)] = s.V1;
        tile[start + Kk(thread + 2 * Threads, alongK) * Pad + Lane(thread + 2 * Threads, alongK)] = s.V2;
        tile[start + Kk(thread + 3 * Threads, alongK) * Pad + Lane(thread + 3 * Threads, alongK)] = s.V3;
    }

    /// <summary>Which lane and k element <paramref name="index"/> (0..1023) of a slice is: 8 consecutive indices share a
    /// lane when memory runs along k, else 128 consecutive indices share a k.</summary>
    private static int Lane(int index, bool alongK) => alongK ? index >> 3 : index & (Tile - 1);
    private static int Kk(int index, bool alongK) => alongK ? index & (Depth - 1) : index >> 7;

    /// <summary>The 4 values one thread carries from global to shared memory per k slice.</summary>
    private struct Slice
    {
        public float V0, V1, V2, V3;
    }

    /// <summary>One row of a thread's outputs: columns col0 + 16 j, each with bias and the in-place sum when asked.</summary>
    private static void Store(ArrayView<float> c, ArrayView<float> bias, MatMulArgs p, long batchBase, int row, int col0,
        float v0, float v1, float v2, float v3, float v4, float v5, float v6, float v7)
    {
        if (row >= p.M) return;
        long rowBase = batchBase + (long)row * p.N;
        Put(c, bias, p, rowBase, col0 + 0, v0);
        Put(c, bias, p, rowBase, col0 + 16, v1);
        Put(c, bias, p, rowBase, col0 + 32, v2);
        Put(c, bias, p, rowBase, col0 + 48, v3);
        Put(c, bias, p, rowBase, col0 + 64, v4);
        Put(c, bias, p, rowBase, col0 + 80, v5);
        Put(c, bias, p, rowBase, col0 + 96, v6);
        Put(c, bias, p, rowBase, col0 + 112, v7);
    }

    private static void Put(ArrayView<float> c, ArrayView<float> bias, MatMulArgs p, long rowBase, int col, float v)
    {
        if (col >= p.N) return;
        if (p.HasBias != 0) v += bias[col];
        if (p.Accumulate != 0) v += c[rowBase + col];
        c[rowBase + col] = v;
    }
}
