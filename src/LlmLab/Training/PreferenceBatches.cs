using LlmLab.Backends;
using LlmLab.Random;

namespace LlmLab.Training;

/// <summary>
/// Batches of preference pairs (prompt, chosen, rejected), trl's DPO and reward-model data: each pair is two rows,
/// prompt + chosen then prompt + rejected, packed as <see cref="PromptCompletionBatches"/> packs a row (inputs all but
/// the last token, right-padded; targets the completion's next tokens, -100 elsewhere), so row 2i is pair i's chosen
/// and row 2i + 1 its rejected. Pairs whose longer row has more inputs than <see cref="MaxLength"/> are skipped and
/// counted. Batch i holds pairs i·P .. i·P + P - 1 of an endless run of seeded epochs.
/// </summary>
public sealed class PreferenceBatches : IBatchSource
{
    private readonly (int[] Prompt, int[] Chosen, int[] Rejected)[] _pairs;
    private readonly EpochShuffle _shuffle;

    public PreferenceBatches(IEnumerable<(int[] Prompt, int[] Chosen, int[] Rejected)> pairs, int maxLength, int pairsPerBatch, int padId, ulong seed,
        string stream = "preferences")
    {
        if (maxLength < 1 || pairsPerBatch < 1)
            throw new ArgumentException($"preference batches: the maximum length and pairs per batch must be positive, got {maxLength} and {pairsPerBatch}");
        var kept = new List<(int[], int[], int[])>();
        foreach (var (prompt, chosen, rejected) in pairs)
        {
            if (prompt.Length == 0 || chosen.Length == 0 || rejected.Length == 0)
                throw new ArgumentException("preference batches: every prompt, chosen and rejected completion needs at least one token");
            if (prompt.Length + Math.Max(chosen.Length, rejected.Length) - 1 <= maxLength) kept.Add((prompt, chosen, rejected));
            else Skipped++;
        }
        if (kept.Count == 0)
            throw new ArgumentException($"preference batches: none of the {Skipped} pairs fits in {maxLength} positions; use a longer context or shorter examples");
        _pairs = [.. kept];
        MaxLength = maxLength;
        PairsPerBatch = pairsPerBatch;
        PadId = padId;
        Seed = seed;
        StreamName = stream;
        _shuffle = new EpochShuffle(_pairs.Length, seed, RandomStream.Key(stream));
    }

    /// <summary>Pairs kept (those that fit).</summary>
    public int Count => _pairs.Length;
    public int Skipped { get; }
    public int MaxLength { get; }
    public int PairsPerBatch { get; }
    public int PadId { get; }
    public ulong Seed { get; }
    public string StreamName { get; }

    public string Description =>
        $"preference pairs: {Count} kept of {Count + Skipped} (at most {MaxLength} positions), {PairsPerBatch} a batch, pad {PadId} (stream '{StreamName}', seed {Seed})";

    /// <summary>Which pairs (indices among the kept ones) make up batch <paramref name="index"/>.</summary>
    public int[] Pairs(long index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        return [.. Enumerable.Range(0, PairsPerBatch).Select(r => _shuffle.At(index * PairsPerBatch + r))];
    }

    public TrainingBatch Batch(IBackend backend, long index) =>
        PromptCompletionBatches.Pack(backend, [.. Pairs(index).SelectMany(p => new[] { (_pairs[p].Prompt, _pairs[p].Chosen), (_pairs[p].Prompt, _pairs[p].Rejected) })], PadId);
}
