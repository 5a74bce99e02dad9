using LlmLab.Backends;
using LlmLab.Random;
using LlmLab.Tensors;
using LlmLab.Tokenizers;

namespace LlmLab.Training;

/// <summary>
/// BERT's masked-LM batches, as transformers' DataCollatorForLanguageModeling (mlm_probability 0.15): every
/// position that holds an ordinary token (not a special one, not padding) is chosen with probability
/// <see cref="MaskProbability"/>; a chosen position's input becomes [MASK] with probability 0.8, a token drawn
/// uniformly from the whole vocabulary with 0.1, and stays as it is with 0.1; its target is the original token, and
/// every other target is -100 (no loss). Row r of batch i is sequence <see cref="Rows"/>(i)[r] (drawn with
/// replacement), cut to its first <see cref="MaxLength"/> tokens; rows are padded on the right to the batch's
/// longest with PAD, and the attention mask is 1 on real tokens and 0 on padding. Every draw is Philox keyed by
/// (seed, stream) at the counter (batch index, row, position), so batch i is a pure function of (seed, i).
/// </summary>
public sealed class MaskedLmBatches : IBatchSource
{
    public const int IgnoreIndex = -100;
    /// <summary>Of the chosen positions: below this draw [MASK], below <see cref="KeepFrom"/> a random token, else unchanged.</summary>
    private const float MaskBelow = 0.8f, KeepFrom = 0.9f;
    private const uint RowChoice = uint.MaxValue;   // the position word of the draw that picks a row's sequence

    private readonly int[][] _sequences;
    private readonly bool[] _special;
    private readonly uint _streamKey;

    /// <summary>
    /// Batches over <paramref name="sequences"/> (token ids, e.g. [CLS] text [SEP]) whose ids are all below
    /// <paramref name="vocabularySize"/>. <paramref name="specialIds"/> are never chosen (CLS, SEP, UNK, ...);
    /// <paramref name="maskId"/> and <paramref name="padId"/> count as special too.
    /// </summary>
    public MaskedLmBatches(IEnumerable<int[]> sequences, int vocabularySize, int maskId, int padId, IEnumerable<int> specialIds,
        int maxLength, int batchSize, ulong seed, string stream = "train", float maskProbability = 0.15f)
    {
        if (maxLength < 1 || batchSize < 1)
            throw new ArgumentException($"masked-LM batches: the maximum length and batch size must be positive, got {maxLength} and {batchSize}");
        if (!(maskProbability is > 0 and <= 1))
            throw new ArgumentException($"masked-LM batches: the mask probability must be in (0, 1], got {maskProbability}");
        if (vocabularySize < 1)
            throw new ArgumentException($"masked-LM batches: the vocabulary size must be positive, got {vocabularySize}");
        _special = new bool[vocabularySize];
        foreach (int id in specialIds.Append(maskId).Append(padId))
        {
            if ((uint)id >= (uint)vocabularySize)
                throw new ArgumentException($"masked-LM batches: special token {id} is outside the vocabulary of {vocabularySize}");
            _special[id] = true;
        }
        _sequences = sequences.Where(s => s.Length > 0).ToArray();
        if (_sequences.Length == 0) throw new ArgumentException("masked-LM batches: no sequences (or only empty ones)");
        for (int s = 0; s < _sequences.Length; s++)
            foreach (int id in _sequences[s])
                if ((uint)id >= (uint)vocabularySize)
                    throw new ArgumentException($"masked-LM batches: sequence {s} holds id {id}, outside the vocabulary of {vocabularySize}");
        VocabularySize = vocabularySize;
        MaskId = maskId;
        PadId = padId;
        MaxLength = maxLength;
        BatchSize = batchSize;
        Seed = seed;
        StreamName = stream;
        MaskProbability = maskProbability;
        _streamKey = RandomStream.Key(stream);
    }

    /// <summary>Batches whose special tokens are a tokenizer's (BOS/CLS, EOS/SEP, PAD, MASK, UNK, sentinels).</summary>
    public MaskedLmBatches(IEnumerable<int[]> sequences, SpecialTokens special, int maxLength, int batchSize, ulong seed, string stream = "train",
        float maskProbability = 0.15f)
        : this(sequences, special.VocabularySize,
            special.Mask ?? throw new ArgumentException("masked-LM batches need a tokenizer with a MASK token"),
            special.Pad ?? throw new ArgumentException("masked-LM batches need a tokenizer with a PAD token"),
            Enumerable.Range(0, special.VocabularySize).Where(special.IsSpecial), maxLength, batchSize, seed, stream, maskProbability)
    {
    }

    public int VocabularySize { get; }
    public int MaskId { get; }
    public int PadId { get; }
    public int MaxLength { get; }
    public int BatchSize { get; }
    public ulong Seed { get; }
    public string StreamName { get; }
    public float MaskProbability { get; }
    public int Count => _sequences.Length;

    public string Description =>
        $"masked-LM batches of {BatchSize} from {Count} sequences (at most {MaxLength} tokens), mask probability {MaskProbability}, " +
        $"vocabulary {VocabularySize}, mask {MaskId}, pad {PadId} (stream '{StreamName}', seed {Seed})";

    /// <summary>Which sequences make up batch <paramref name="index"/>, row by row.</summary>
    public int[] Rows(long index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        var rows = new int[BatchSize];
        for (int r = 0; r < BatchSize; r++)
        {
            var (w0, w1, _, _) = Draw(index, r, RowChoice);
            rows[r] = (int)(((ulong)w0 << 32 | w1) % (ulong)_sequences.Length);
        }
        return rows;
    }

    public TrainingBatch Batch(IBackend backend, long index)
    {
        var rows = Rows(index);
        int time = rows.Max(r => Math.Min(_sequences[r].Length, MaxLength));
        var inputs = new int[BatchSize * time];
        var targets = new long[BatchSize * time];
        var mask = new int[BatchSize * time];
        Array.Fill(inputs, PadId);
        Array.Fill(targets, IgnoreIndex);
        int tokens = 0;
        for (int row = 0; row < BatchSize; row++)
        {
            var sequence = _sequences[rows[row]];
            int length = Math.Min(sequence.Length, MaxLength);
            for (int t = 0; t < length; t++)
            {
                int at = row * time + t, id = sequence[t];
                inputs[at] = id;
                mask[at] = 1;
                if (_special[id]) continue;
                var (chosen, replace, high, low) = Draw(index, row, (uint)t);
                if (Uniform(chosen) >= MaskProbability) continue;
                targets[at] = id;
                float u = Uniform(replace);
                if (u < MaskBelow) inputs[at] = MaskId;
                else if (u < KeepFrom) inputs[at] = (int)(((ulong)high << 32 | low) % (ulong)VocabularySize);
            }
            tokens += length;
        }
        var x = Tensor.From(backend, inputs, BatchSize, time);
        Tensor? y = null;
        try
        {
            y = Tensor.From(backend, targets, BatchSize * time);
            return new TrainingBatch(x, y, tokens) { AttentionMask = Tensor.From(backend, mask, BatchSize, time) };
        }
        catch
        {
            x.Dispose();
            y?.Dispose();
            throw;
        }
    }

    // Four random words for (batch index, row, position), under the key (seed, stream).
    private (uint, uint, uint, uint) Draw(long index, int row, uint position)
    {
        uint c0 = (uint)index, c1 = (uint)((ulong)index >> 32), c2 = (uint)row, c3 = position;
        Philox.Block(ref c0, ref c1, ref c2, ref c3, (uint)Seed, (uint)(Seed >> 32) ^ _streamKey);
        return (c0, c1, c2, c3);
    }

    private static float Uniform(uint word) => (word >> 8) * (1f / 16777216f);
}
