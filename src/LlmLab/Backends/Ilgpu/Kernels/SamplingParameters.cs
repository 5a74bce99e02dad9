namespace LlmLab.Backends.Ilgpu.Kernels;

/// <summary>What <see cref="SamplingKernels.WarpRows"/> does to each row; passed by value. Internal: ILGPU's
/// runtime-generated launcher sees kernel argument types through InternalsVisibleTo("ILGPURuntime").</summary>
internal struct SamplingParameters
{
    public const int ModeWarp = 0, ModeSample = 1, ModePenaltyOnly = 2;

    public int Vocab;
    public int PreviousLength;
    public int Mode;
    public float Temperature;
    public float Penalty;
    /// <summary>Effective k (max(k, min_tokens_to_keep)); 0 when top-k is off or k &gt;= vocab.</summary>
    public int TopK;
    public int TopPOn;
    /// <summary>Top-p removes while the cumulative mass (fixed point, 2^40 = 1) is &lt;= this.</summary>
    public ulong TopPThreshold;
    public float MinP;
    public int MinTokensToKeep;
    public ulong Seed;
    public ulong Step;
}
