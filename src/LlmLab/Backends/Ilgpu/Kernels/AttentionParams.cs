namespace LlmLab.Backends.Ilgpu.Kernels;

/// <summary>
/// The sizes an attention kernel reads, passed by value. Scores live in base 2: q is multiplied by
/// scale * log2(e) (and the bias by log2(e)), so e^(s - m) becomes 2^(s' - m'), one ex2 instruction on a GPU.
/// </summary>
internal struct AttentionParams
{
    public int Batch;
    public int QueryHeads;
    public int KvHeads;
    /// <summary>Query heads per kv head.</summary>
    public int Group;
    public int QueryLength;
    public int TotalKeys;
    /// <summary>Rows between the keys of one kv head and the next: Tk, or the cache's capacity.</summary>
    public int KeyRowsPerHead;
    public int HeadDim;
    /// <summary>Absolute position of query 0: TotalKeys - QueryLength.</summary>
    public int QueryOffset;
    /// <summary>Query tiles per (batch, head) in the tiled kernels.</summary>
    public int QueryTiles;
    /// <summary>
    /// Groups that share the key tiles of one query tile (split-K, for decode-like calls with few query tiles):
    /// each takes <see cref="TilesPerSplit"/> key tiles and writes a partial (O, m, l) that a combine pass merges.
    /// 1: no split, the tiled kernel writes the output itself.
    /// </summary>
    public int KeySplits;
    public int TilesPerSplit;
    public float ScaleLog2;
    public int Causal;
    public int HasMask;
    public int HasBias;
    public int BiasPerBatch;

    public const float Log2E = 1.44269504088896341f;

    internal static AttentionParams From(in AttentionShape s, int queryTiles, int keySplits = 1, int tilesPerSplit = 0) => new()
    {
        KeySplits = keySplits,
        TilesPerSplit = tilesPerSplit,
        Batch = s.Batch,
        QueryHeads = s.QueryHeads,
        KvHeads = s.KvHeads,
        Group = s.Group,
        QueryLength = s.QueryLength,
        TotalKeys = s.TotalKeys,
        KeyRowsPerHead = s.KeyRowsPerHead,
        HeadDim = s.HeadDim,
        QueryOffset = s.QueryOffset,
        QueryTiles = queryTiles,
        ScaleLog2 = s.Scale * Log2E,
        Causal = s.Causal ? 1 : 0,
        HasMask = s.HasMask ? 1 : 0,
        HasBias = s.HasBias ? 1 : 0,
        BiasPerBatch = s.BiasPerBatch ? 1 : 0,
    };

    /// <summary>Element offset of the bias row of query 0 of (batch b, query head h).</summary>
    public readonly long BiasBase(int b, int h) => ((long)(BiasPerBatch != 0 ? b * QueryHeads + h : h)) * QueryLength * TotalKeys;
}
