using LlmLab.Tensors;

namespace LlmLab.Backends;

/// <summary>
/// Keys and values of one attention layer kept across generation steps: [B, Hkv, Capacity, D] each, of which the
/// first <see cref="Length"/> positions are filled. <see cref="IBackend.Attention"/> appends to it.
/// </summary>
public sealed class KvCache : IDisposable
{
    public KvCache(IBackend backend, int batch, int kvHeads, int capacity, int headDim)
    {
        Keys = Tensor.Zeros(backend, new Shape(batch, kvHeads, capacity, headDim));
        Values = Tensor.Zeros(backend, new Shape(batch, kvHeads, capacity, headDim));
    }

    public Tensor Keys { get; }
    public Tensor Values { get; }
    public int Length { get; private set; }
    public int Capacity => Keys.Shape[2];

    /// <summary>Called by backends once they have written <paramref name="count"/> new positions.</summary>
    public void Advance(int count)
    {
        if (Length + count > Capacity)
            throw new InvalidOperationException($"the KV cache holds {Capacity} positions; {Length} + {count} do not fit");
        Length += count;
    }

    /// <summary>Forgets every position (the memory is reused).</summary>
    public void Reset() => Length = 0;

    public void Dispose()
    {
        Keys.Dispose();
        Values.Dispose();
    }
}
