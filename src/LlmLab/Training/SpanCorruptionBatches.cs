using LlmLab.Backends;
using LlmLab.Random;

namespace LlmLab.Training;

/// <summary>
/// T5 pre-training batches by span corruption (<see cref="SpanCorruption"/>). Row r of batch i: a document drawn at
/// random, a random window of at most <see cref="MaxLength"/> of its tokens, a random noise mask; inputs are the
/// corrupted window and targets the noise spans, each followed by EOS as T5 appends it (when
/// <see cref="EosId"/> is set), laid out as <see cref="Seq2SeqBatches.Pack"/> lays out a fine-tuning batch. Every draw is
/// Philox keyed by (seed; batch index, row, draw, stream), so batch i is a pure function of (seed, i).
/// </summary>
public sealed class SpanCorruptionBatches : IBatchSource
{
    public const int IgnoreIndex = -100;

    private readonly int[][] _documents;
    private readonly uint _stream;

    /// <summary>
    /// Batches of <paramref name="batchSize"/> examples from <paramref name="documents"/> (token ids; empty ones are
    /// left out), each a window of at most <paramref name="maxLength"/> tokens before corruption; sentinels count
    /// down from <paramref name="vocabularySize"/> - 1; <paramref name="eosId"/> null appends no EOS.
    /// </summary>
    public SpanCorruptionBatches(IEnumerable<int[]> documents, int maxLength, int batchSize, int vocabularySize, int padId,
        int decoderStartId, int? eosId, ulong seed, double noiseDensity = SpanCorruption.DefaultNoiseDensity,
        double meanSpanLength = SpanCorruption.DefaultMeanSpanLength, string stream = "train")
    {
        if (maxLength < 2 || batchSize < 1)
            throw new ArgumentException($"span-corruption batches: the maximum length must be at least 2 and the batch size positive, got {maxLength} and {batchSize}");
        SpanCorruption.NoiseLengths(maxLength, noiseDensity, meanSpanLength);   // checks density and span length
        _documents = documents.Where(d => d.Length > 0).ToArray();
        if (_documents.Length == 0) throw new ArgumentException("span-corruption batches: no document has any token");
        MaxLength = maxLength;
        BatchSize = batchSize;
        VocabularySize = vocabularySize;
        PadId = padId;
        DecoderStartId = decoderStartId;
        EosId = eosId;
        Seed = seed;
        NoiseDensity = noiseDensity;
        MeanSpanLength = meanSpanLength;
        StreamName = stream;
        _stream = RandomStream.Key(stream);
    }

    public int MaxLength { get; }
    public int BatchSize { get; }
    public int VocabularySize { get; }
    public int PadId { get; }
    public int DecoderStartId { get; }
    public int? EosId { get; }
    public ulong Seed { get; }
    public double NoiseDensity { get; }
    public double MeanSpanLength { get; }
    public string StreamName { get; }

    public string Description =>
        $"span corruption of {_documents.Length} documents, windows of {MaxLength} tokens, noise {NoiseDensity}, mean span {MeanSpanLength}, batch {BatchSize}, " +
        $"vocabulary {VocabularySize}, pad {PadId}, start {DecoderStartId}, eos {EosId?.ToString() ?? "none"} (stream '{StreamName}', seed {Seed})";

    /// <summary>Row <paramref name="row"/> of batch <paramref name="index"/> before padding: (inputs, targets).</summary>
    public (int[] Inputs, int[] Targets) Example(long index, int row)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        uint draw = 0;
        ulong Next() => Draw(index, row, draw++);
        var document = _documents[(int)(Next() % (ulong)_documents.Length)];
        int length = Math.Min(document.Length, MaxLength);
        int offset = (int)(Next() % (ulong)(document.Length - length + 1));
        var window = document.AsSpan(offset, length);
        var noise = SpanCorruption.RandomNoiseMask(length, n => (int)(Next() % (ulong)n), NoiseDensity, MeanSpanLength);
        var (inputs, targets) = SpanCorruption.Corrupt(window, noise, VocabularySize);
        return EosId is int eos ? ([.. inputs, eos], [.. targets, eos]) : (inputs, targets);
    }

    public TrainingBatch Batch(IBackend backend, long index) =>
        Seq2SeqBatches.Pack(backend, [.. Enumerable.Range(0, BatchSize).Select(r => Example(index, r))], PadId, DecoderStartId);

    // 64 random bits of Philox block (seed; draw, row, index, stream).
    private ulong Draw(long index, int row, uint draw)
    {
        uint c0 = draw, c1 = (uint)row, c2 = (uint)index, c3 = (uint)((ulong)index >> 32) ^ _stream;
        Philox.Block(ref c0, ref c1, ref c2, ref c3, (uint)Seed, (uint)(Seed >> 32));
        return (ulong)c0 << 32 | c1;
    }
}
