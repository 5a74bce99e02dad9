using LlmLab.Backends;
using LlmLab.Random;
using LlmLab.Tensors;

namespace LlmLab.Training;

/// <summary>
/// Supervised fine-tuning batches of (prompt, completion) pairs with the loss on the completion only (TRL's
/// completion-only collator): a row is prompt + completion, its inputs all but the last token, its targets the
/// next tokens with -100 wherever the next token is still the prompt's. Rows are padded on the right to the batch's
/// longest with PAD inputs and -100 targets (causal attention keeps the padding out of the real positions). Pairs
/// longer than <see cref="MaxLength"/> + 1 tokens (more inputs than the model's context) are skipped and counted.
/// Batch i holds positions i·B .. i·B + B - 1 of an endless run of epochs, each epoch a Philox shuffle of the
/// pairs keyed by (seed, stream, epoch): every pair once an epoch, and a batch a pure function of its index.
/// </summary>
public sealed class PromptCompletionBatches : IBatchSource
{
    public const int IgnoreIndex = -100;

    private readonly (int[] Prompt, int[] Completion)[] _pairs;
    private readonly EpochShuffle _shuffle;

    public PromptCompletionBatches(IEnumerable<(int[] Prompt, int[] Completion)> pairs, int maxLength, int batchSize, int padId, ulong seed,
        string stream = "train")
    {
        if (maxLength < 1 || batchSize < 1)
            throw new ArgumentException($"prompt-completion batches: the maximum length and batch size must be positive, got {maxLength} and {batchSize}");
        var kept = new List<(int[], int[])>();
        foreach (var (prompt, completion) in pairs)
        {
            if (prompt.Length == 0 || completion.Length == 0)
                throw new ArgumentException("prompt-completion batches: every prompt and completion needs at least one token");
            if (prompt.Length + completion.Length - 1 <= maxLength) kept.Add((prompt, completion));
            else Skipped++;
        }
        if (kept.Count == 0)
            throw new ArgumentException($"prompt-completion batches: none of the {Skipped} pairs fits in {maxLength} positions; use a longer context or shorter examples");
        _pairs = [.. kept];
        MaxLength = maxLength;
        BatchSize = batchSize;
        PadId = padId;
        Seed = seed;
        StreamName = stream;
        _shuffle = new EpochShuffle(_pairs.Length, seed, RandomStream.Key(stream));
    }

    /// <summary>Pairs kept (those that fit).</summary>
    public int Count => _pairs.Length;
    /// <summary>Pairs left out because prompt + completion has more than <see cref="MaxLength"/> + 1 tokens.</summary>
    public int Skipped { get; }
    public int MaxLength { get; }
    public int BatchSize { get; }
    public int PadId { get; }
    public ulong Seed { get; }
    public string StreamName { get; }

    public string Description =>
        $"prompt-completion pairs: {Count} kept of {Count + Skipped} (at most {MaxLength} positions), batch {BatchSize}, pad {PadId} (stream '{StreamName}', seed {Seed})";

    /// <summary>Which pairs (indices among the kept ones) make up batch <paramref name="index"/>.</summary>
    public int[] Rows(long index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        return [.. Enumerable.Range(0, BatchSize).Select(r => _shuffle.At(index * BatchSize + r))];
    }

    public TrainingBatch Batch(IBackend backend, long index) => Pack(backend, [.. Rows(index).Select(r => _pairs[r])], PadId);

    /// <summary>
    /// Rows of prompt + completion as a batch: inputs all but each row's last token, padded on the right to the
    /// longest with <paramref name="padId"/>; targets the next tokens where they are the completion's, else -100.
    /// </summary>
    public static TrainingBatch Pack(IBackend backend, IReadOnlyList<(int[] Prompt, int[] Completion)> rows, int padId)
    {
        int time = rows.Max(r => r.Prompt.Length + r.Completion.Length - 1);
        var inputs = new int[rows.Count * time];
        var targets = new long[rows.Count * time];
        Array.Fill(inputs, padId);
        Array.Fill(targets, IgnoreIndex);
        int tokens = 0;
        for (int row = 0; row < rows.Count; row++)
        {
            var (prompt, completion) = rows[row];
            int length = prompt.Length + completion.Length - 1, at = row * time;
            for (int t = 0; t < length; t++)
            {
                inputs[at + t] = t < prompt.Length ? prompt[t] : completion[t - prompt.Length];
                // The token after position t; only completion tokens are learned.
                if (t + 1 >= prompt.Length) targets[at + t] = completion[t + 1 - prompt.Length];
            }
            tokens += length;
        }
        var x = Tensor.From(backend, inputs, rows.Count, time);
        try
        {
            return new TrainingBatch(x, Tensor.From(backend, targets, rows.Count * time), tokens);
        }
        catch
        {
            x.Dispose();
            throw;
        }
    }
}
