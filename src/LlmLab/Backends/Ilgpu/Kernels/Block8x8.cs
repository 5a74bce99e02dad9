namespace LlmLab.Backends.Ilgpu.Kernels;

/// <summary>
/// One thread's 8 x 8 block of C in registers (64 scalars: a run-time-indexed local array would spill to local
/// memory), and the rank-1 update that the tile kernels unroll: rows from two Float4s of an A column, columns from
/// two Float4s of a B row. Internal: ILGPU's generated code sees it through InternalsVisibleTo("ILGPURuntime").
/// </summary>
internal struct Block8x8
{
    public float C00, C01, C02, C03, C04, C05, C06, C07;
    public float C10, C11, C12, C13, C14, C15, C16, C17;
    public float C20, C21, C22, C23, C24, C25, C26, C27;
    public float C30, C31, C32, C33, C34, C35, C36, C37;
    public float C40, C41, C42, C43, C44, C45, C46, C47;
    public float C50, C51, C52, C53, C54, C55, C56, C57;
    public float C60, C61, C62, C63, C64, C65, C66, C67;
    public float C70, C71, C72, C73, C74, C75, C76, C77;

    /// <summary>C[i, j] += a[i] b[j], a = (a0, a1), b = (b0, b1): 64 multiply-adds.</summary>
    public void Add(Float4 a0, Float4 a1, Float4 b0, Float4 b1)
    {
        C00 += a0.X * b0.X; C01 += a0.X * b0.Y; C02 += a0.X * b0.Z; C03 += a0.X * b0.W; C04 += a0.X * b1.X; C05 += a0.X * b1.Y; C06 += a0.X * b1.Z; C07 += a0.X * b1.W;
        C10 += a0.Y * b0.X; C11 += a0.Y * b0.Y; C12 += a0.Y * b0.Z; C13 += a0.Y * b0.W; C14 += a0.Y * b1.X; C15 += a0.Y * b1.Y; C16 += a0.Y * b1.Z; C17 += a0.Y * b1.W;
        C20 += a0.Z * b0.X; C21 += a0.Z * b0.Y; C22 += a0.Z * b0.Z; C23 += a0.Z * b0.W; C24 += a0.Z * b1.X; C25 += a0.Z * b1.Y; C26 += a0.Z * b1.Z; C27 += a0.Z * b1.W;
        C30 += a0.W * b0.X; C31 += a0.W * b0.Y; C32 += a0.W * b0.Z; C33 += a0.W * b0.W; C34 += a0.W * b1.X; C35 += a0.W * b1.Y; C36 += a0.W * b1.Z; C37 += a0.W * b1.W;
        C40 += a1.X * b0.X; C41 += a1.X * b0.Y; C42 += a1.X * b0.Z; C43 += a1.X * b0.W; C44 += a1.X * b1.X; C45 += a1.X * b1.Y; C46 += a1.X * b1.Z; C47 += a1.X * b1.W;
        C50 += a1.Y * b0.X; C51 += a1.Y * b0.Y; C52 += a1.Y * b0.Z; C53 += a1.Y * b0.W; C54 += a1.Y * b1.X; C55 += a1.Y * b1.Y; C56 += a1.Y * b1.Z; C57 += a1.Y * b1.W;
        C60 += a1.Z * b0.X; C61 += a1.Z * b0.Y; C62 += a1.Z * b0.Z; C63 += a1.Z * b0.W; C64 += a1.Z * b1.X; C65 += a1.Z * b1.Y; C66 += a1.Z * b1.Z; C67 += a1.Z * b1.W;
        C70 += a1.W * b0.X; C71 += a1.W * b0.Y; C72 += a1.W * b0.Z; C73 += a1.W * b0.W; C74 += a1.W * b1.X; C75 += a1.W * b1.Y; C76 += a1.W * b1.Z; C77 += a1.W * b1.W;
    }
}
