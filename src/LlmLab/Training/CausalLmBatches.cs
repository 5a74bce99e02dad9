using LlmLab.Backends;
using LlmLab.Random;
using LlmLab.Tensors;

namespace LlmLab.Training;

/// <summary>
/// nanoGPT's get_batch for a token stream: each row of batch i is a window of <see cref="Context"/> tokens starting
/// at a random offset, and its targets are the same window shifted by one. Offsets come from Philox keyed by
/// (seed; batch index, row), so batches are reproducible and independent of how many were drawn before.
/// </summary>
public sealed class CausalLmBatches : IBatchSource
{
    private readonly int[] _tokens;
    private readonly uint _stream;

    public CausalLmBatches(int[] tokens, int context, int batchSize, ulong seed, string stream = "train")
    {
        if (context <= 0 || batchSize <= 0)
            throw new ArgumentException($"causal-LM batches: context and batch size must be positive, got {context} and {batchSize}");
        if (tokens.Length < context + 1)
            throw new ArgumentException($"causal-LM batches: {tokens.Length} tokens are too few for a window of {context} plus one target; use more text or a shorter context");
        _tokens = tokens;
        Context = context;
        BatchSize = batchSize;
        Seed = seed;
        StreamName = stream;
        _stream = RandomStream.Key(stream);
    }

    public int Context { get; }
    public int BatchSize { get; }
    public ulong Seed { get; }
    public string StreamName { get; }
    public int TokenCount => _tokens.Length;

    public string Description => $"causal-LM windows of {Context} tokens, batch {BatchSize}, from {_tokens.Length} tokens (stream '{StreamName}', seed {Seed})";

    public TrainingBatch Batch(IBackend backend, long index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        var inputs = new int[BatchSize * Context];
        var targets = new long[BatchSize * Context];
        long windows = _tokens.Length - Context;   // offsets 0 .. windows - 1 leave room for the last target
        for (int row = 0; row < BatchSize; row++)
        {
            int offset = (int)(Draw((ulong)index, (uint)row) % (ulong)windows);
            for (int t = 0; t < Context; t++)
            {
                inputs[row * Context + t] = _tokens[offset + t];
                targets[row * Context + t] = _tokens[offset + t + 1];
            }
        }
        var x = Tensor.From(backend, inputs, BatchSize, Context);
        try
        {
            return new TrainingBatch(x, Tensor.From(backend, targets, BatchSize * Context), BatchSize * Context);
        }
        catch
        {
            x.Dispose();
            throw;
        }
    }

    // 64 random bits from one Philox block: the modulo bias over a corpus of n tokens is below n / 2^64.
    private ulong Draw(ulong index, uint row)
    {
        uint c0 = (uint)index, c1 = (uint)(index >> 32), c2 = row, c3 = _stream;
        Philox.Block(ref c0, ref c1, ref c2, ref c3, (uint)Seed, (uint)(Seed >> 32));
        return (ulong)c0 << 32 | c1;
    }
}
