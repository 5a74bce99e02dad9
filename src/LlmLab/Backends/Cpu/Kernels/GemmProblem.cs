namespace LlmLab.Backends.Cpu.Kernels;

/// <summary>A strided view of a matrix: element (row, col) sits at Data[row * RowStride + col * ColStride].</summary>
internal readonly unsafe struct StridedMatrix(float* data, long rowStride, long colStride)
{
    public float* Data { get; } = data;
    public long RowStride { get; } = rowStride;
    public long ColStride { get; } = colStride;

    public float* At(long row, long col) => Data + row * RowStride + col * ColStride;
    public StridedMatrix Transposed => new(Data, ColStride, RowStride);
    public StridedMatrix Offset(long elements) => new(Data + elements, RowStride, ColStride);
}

/// <summary>
/// One stretch of the k sum: A [M, K] times B [K, N]. A batch stride of 0 means one matrix shared by every batch;
/// a scale multiplies the operand as it is packed (LoRA's scale * B). With a panel stride, B is a weight stored
/// interleaved (<see cref="Interleaved"/>): B(k, j) sits at B.Data + (j / 16) panelStride + 16 k + j % 16.
/// </summary>
internal readonly struct GemmSegment(StridedMatrix a, StridedMatrix b, int k, long aBatchStride = 0, long bBatchStride = 0, float scaleA = 1f, float scaleB = 1f,
    long bPanelStride = 0)
{
    public StridedMatrix A { get; } = a;
    public StridedMatrix B { get; } = b;
    public int K { get; } = k;
    public long ABatchStride { get; } = aBatchStride;
    public long BBatchStride { get; } = bBatchStride;
    public float ScaleA { get; } = scaleA;
    public float ScaleB { get; } = scaleB;
    /// <summary>Floats from one interleaved panel of B to the next; 0 for a B that <see cref="B"/>'s strides describe.</summary>
    public long BPanelStride { get; } = bPanelStride;

    /// <summary>The same products for C^T = B^T A^T (B not interleaved).</summary>
    public GemmSegment Transposed => new(B.Transposed, A.Transposed, K, BBatchStride, ABatchStride, ScaleB, ScaleA);
}

/// <summary>
/// C [M, N] (+)= sum over segments of A_s B_s, then + bias, for each of <see cref="Batch"/> matrices. The segments are
/// one k sum taken in order (LoRA appends its rank-r update to the k of the main product), so every element is
/// acc = fma(a[i,k], b[k,j], acc) over the concatenated k, from 0 (or from C's value when <see cref="Accumulate"/>).
/// </summary>
internal unsafe struct GemmProblem
{
    public int Batch;
    public int M;
    public int N;
    public GemmSegment[] Segments;
    public StridedMatrix C;
    public long CBatchStride;
    /// <summary>Added after the last k: bias[j] per column, or bias[i] per row when <see cref="BiasPerRow"/>.</summary>
    public float* Bias;
    public bool BiasPerRow;
    /// <summary>The sums start from C's values instead of 0 (an in-place update such as LoRA merging).</summary>
    public bool Accumulate;

    /// <summary>The same computation as C^T = B^T A^T (same products, same order, so the same bits).</summary>
    public readonly GemmProblem Transposed() => this with
    {
        M = N,
        N = M,
        Segments = Array.ConvertAll(Segments, s => s.Transposed),
        C = C.Transposed,
        BiasPerRow = !BiasPerRow,
    };
}
