namespace LlmLab.Backends.Cpu.Kernels;

/// <summary>Per-thread working memory for the sampling kernels, sized for a vocabulary and reused across calls
/// (a sampling step runs every token: no per-call allocations of vocabulary-sized arrays).</summary>
internal sealed class WarperScratch
{
    [ThreadStatic] private static WarperScratch? Cached;

    private WarperScratch(int vocab)
    {
        Vocab = vocab;
        Row = new float[vocab];
        List = new int[vocab];
        Weights = new float[vocab];
        PositionsA = new int[vocab];
        PositionsB = new int[vocab];
        Identity = new int[vocab];
        for (int i = 0; i < vocab; i++) Identity[i] = i;
    }

    public static WarperScratch For(int vocab)
    {
        var s = Cached;
        if (s is null || s.Vocab < vocab) Cached = s = new WarperScratch(vocab);
        return s;
    }

    public int Vocab { get; }
    /// <summary>A row being warped when the caller keeps no output (sampling).</summary>
    public float[] Row { get; }
    /// <summary>Surviving candidates, in increasing index order.</summary>
    public int[] List { get; }
    public float[] Weights { get; }
    public int[] PositionsA { get; }
    public int[] PositionsB { get; }
    public int[] Identity { get; }
    public float[] Heap { get; } = new float[TopK.HeapLimit];
    public ulong[] Composites { get; } = new ulong[CompositeCut.SortLimit];
    public float[] SortWeights { get; } = new float[CompositeCut.SortLimit];
    public double[] Histogram { get; } = new double[RadixSelect.HistogramLength];
}
