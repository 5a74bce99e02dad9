namespace LlmLab.Backends.Ilgpu.Kernels;

/// <summary>
/// The shape of a <see cref="MatMulTileKernel"/> launch, as a type argument so that ILGPU compiles one specialised
/// kernel per shape with every size a constant (the properties of a default struct fold away). Rows x Cols of C per
/// group, 8 x 8 per thread (Rows * Cols / 64 threads), Depth k values staged in shared memory per step. Rows and Cols
/// are 64 or 128; Depth is 8 or 16 with 16 * Depth / Cols and 16 * Depth / Rows at most 2 (Float4s each thread loads
/// per operand per step). Internal: ILGPU's generated code sees them through InternalsVisibleTo("ILGPURuntime").
/// </summary>
internal interface IMatMulTile
{
    int Rows { get; }
    int Cols { get; }
    int Depth { get; }

    /// <summary>k values per trip of the multiply loop: Depth (one straight block, 64 * Depth multiply-adds) or 1, 2
    /// or 4 (a loop, for when the straight block asks ptxas for too many registers).</summary>
    int Unroll { get; }
}

/// <summary>The big tile: 256 threads, 16-deep k steps (half the barriers of 8), 33 KiB of shared memory.</summary>
internal struct Tile128x128x16 : IMatMulTile
{
    public readonly int Rows => 128;
    public readonly int Cols => 128;
    public readonly int Depth => 16;
    public readonly int Unroll => Depth;
}

/// <summary>The big tile, 16-deep steps multiplied 2 k a trip of a loop (see <see cref="IMatMulTile.Unroll"/>).</summary>
internal struct Tile128x128x16Loop2 : IMatMulTile
{
    public readonly int Rows => 128;
    public readonly int Cols => 128;
    public readonly int Depth => 16;
    public readonly int Unroll => 2;
}

/// <summary>The big tile with 8-deep steps: half the shared memory and prefetch registers of the 16-deep one.</summary>
internal struct Tile128x128x8 : IMatMulTile
{
    public readonly int Rows => 128;
    public readonly int Cols => 128;
    public readonly int Depth => 8;
    public readonly int Unroll => Depth;
}

/// <summary>128 rows x 64 columns, 128 threads: for narrow outputs (N of 64 or less, e.g. LoRA's x A^T).</summary>
internal struct Tile128x64x8 : IMatMulTile
{
    public readonly int Rows => 128;
    public readonly int Cols => 64;
    public readonly int Depth => 8;
    public readonly int Unroll => Depth;
}

/// <summary>64 x 64, 64 threads: four times the groups of the big tile, for products too small to fill the GPU.</summary>
internal struct Tile64x64x8 : IMatMulTile
{
    public readonly int Rows => 64;
    public readonly int Cols => 64;
    public readonly int Depth => 8;
    public readonly int Unroll => Depth;
}
