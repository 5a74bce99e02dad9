using LlmLab.Backends;
using LlmLab.Random;
using LlmLab.Tensors;

namespace LlmLab.Training;

/// <summary>
/// Fine-tuning batches for an encoder-decoder (transformers' DataCollatorForSeq2Seq): each pair is a source the
/// encoder reads and a target the decoder learns to write, both with EOS appended as T5's tokenizer appends it when
/// <see cref="EosId"/> is set. Batch i holds positions i·B .. i·B + B - 1 of an endless run of epochs, each epoch
/// a Philox shuffle of the pairs keyed by (seed, stream, epoch), laid out by <see cref="Pack"/>.
/// </summary>
public sealed class Seq2SeqBatches : IBatchSource
{
    public const int IgnoreIndex = -100;

    private readonly (int[] Source, int[] Target)[] _pairs;
    private readonly EpochShuffle _shuffle;

    public Seq2SeqBatches(IEnumerable<(int[] Source, int[] Target)> pairs, int batchSize, int padId, int decoderStartId, int? eosId, ulong seed,
        string stream = "train")
    {
        if (batchSize < 1) throw new ArgumentException($"seq2seq batches: the batch size must be positive, got {batchSize}");
        _pairs = [.. pairs.Select(p => p.Source.Length == 0 || p.Target.Length == 0
            ? throw new ArgumentException("seq2seq batches: every source and target needs at least one token")
            : eosId is int eos ? ([.. p.Source, eos], [.. p.Target, eos]) : p)];
        if (_pairs.Length == 0) throw new ArgumentException("seq2seq batches: no pairs");
        BatchSize = batchSize;
        PadId = padId;
        DecoderStartId = decoderStartId;
        EosId = eosId;
        Seed = seed;
        StreamName = stream;
        _shuffle = new EpochShuffle(_pairs.Length, seed, RandomStream.Key(stream));
    }

    public int Count => _pairs.Length;
    public int BatchSize { get; }
    public int PadId { get; }
    public int DecoderStartId { get; }
    public int? EosId { get; }
    public ulong Seed { get; }
    public string StreamName { get; }

    public string Description =>
        $"seq2seq pairs: {Count}, batch {BatchSize}, pad {PadId}, start {DecoderStartId}, eos {EosId?.ToString() ?? "none"} (stream '{StreamName}', seed {Seed})";

    /// <summary>Which pairs make up batch <paramref name="index"/>.</summary>
    public int[] Rows(long index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        return [.. Enumerable.Range(0, BatchSize).Select(r => _shuffle.At(index * BatchSize + r))];
    }

    public TrainingBatch Batch(IBackend backend, long index) => Pack(backend, [.. Rows(index).Select(r => _pairs[r])], PadId, DecoderStartId);

    /// <summary>
    /// Rows of (encoder input, decoder target) as a batch: inputs padded on the right with <paramref name="padId"/>
    /// and an <see cref="TrainingBatch.AttentionMask"/> of 0 there; targets padded with -100;
    /// <see cref="TrainingBatch.DecoderInputs"/> the targets shifted right after <paramref name="decoderStartId"/>
    /// (PAD where the target is padding, as transformers' shift_tokens_right).
    /// </summary>
    public static TrainingBatch Pack(IBackend backend, IReadOnlyList<(int[] Inputs, int[] Targets)> rows, int padId, int decoderStartId)
    {
        int batch = rows.Count, sourceTime = rows.Max(e => e.Inputs.Length), targetTime = rows.Max(e => e.Targets.Length);
        var inputs = new int[batch * sourceTime];
        var mask = new int[batch * sourceTime];
        var targets = new long[batch * targetTime];
        var decoderInputs = new int[batch * targetTime];
        Array.Fill(inputs, padId);
        Array.Fill(targets, IgnoreIndex);
        Array.Fill(decoderInputs, padId);
        int tokens = 0;
        for (int r = 0; r < batch; r++)
        {
            var (x, y) = rows[r];
            for (int t = 0; t < x.Length; t++)
            {
                inputs[r * sourceTime + t] = x[t];
                mask[r * sourceTime + t] = 1;
            }
            for (int t = 0; t < y.Length; t++)
            {
                targets[r * targetTime + t] = y[t];
                decoderInputs[r * targetTime + t] = t == 0 ? decoderStartId : y[t - 1];
            }
            tokens += x.Length + y.Length;
        }
        var made = new List<Tensor>();
        try
        {
            Tensor Keep(Tensor t)
            {
                made.Add(t);
                return t;
            }
            return new TrainingBatch(Keep(Tensor.From(backend, inputs, batch, sourceTime)), Keep(Tensor.From(backend, targets, batch * targetTime)), tokens)
            {
                AttentionMask = Keep(Tensor.From(backend, mask, batch, sourceTime)),
                DecoderInputs = Keep(Tensor.From(backend, decoderInputs, batch, targetTime)),
            };
        }
        catch
        {
            foreach (var t in made) t.Dispose();
            throw;
        }
    }
}
