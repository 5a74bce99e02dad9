using LlmLab.Tensors;

namespace LlmLab.Backends;

/// <summary>
/// The sizes of one checked attention call. Keys and values of kv head (b, g) start at row
/// (b * KvHeads + g) * <see cref="KeyRowsPerHead"/> of their tensor: NewKeys without a cache, the cache's capacity
/// with one. Query i sits at absolute position <see cref="QueryOffset"/> + i.
/// </summary>
internal readonly record struct AttentionShape(
    int Batch, int QueryHeads, int KvHeads, int QueryLength, int NewKeys, int HeadDim,
    int TotalKeys, int KeyRowsPerHead, float Scale, bool Causal, bool HasMask, bool HasBias, bool BiasPerBatch)
{
    /// <summary>Query heads per kv head: query head h reads kv head h / Group.</summary>
    public int Group => QueryHeads / KvHeads;

    public int QueryOffset => TotalKeys - QueryLength;
}

internal static partial class Check
{
    /// <summary>
    /// Checks every argument of <see cref="IBackend.Attention"/> (before anything is written to the cache) and
    /// returns the call's sizes, counting the keys the cache will hold once k and v are appended.
    /// </summary>
    public static AttentionShape Attention(IBackend backend, Tensor q, Tensor k, Tensor v, AttentionOptions o)
    {
        var cache = o.Cache;
        SameBackend(backend, q, k, v, o.KeyPaddingMask, o.Bias, cache?.Keys, cache?.Values);
        F32(q, "attention's query");
        F32(k, "attention's key");
        F32(v, "attention's value");
        Rank(q, 4, "attention's query", "[batch, heads, time, dim]");
        Rank(k, 4, "attention's key", "[batch, kv heads, time, dim]");
        Rank(v, 4, "attention's value", "[batch, kv heads, time, dim]");
        if (k.Shape != v.Shape)
            throw new ArgumentException($"attention: key {k.Shape} and value {v.Shape} must have the same shape");
        int batch = q.Shape[0], heads = q.Shape[1], tq = q.Shape[2], dim = q.Shape[3];
        int kvHeads = k.Shape[1], tk = k.Shape[2];
        if (k.Shape[3] != dim)
            throw new ArgumentException($"attention: query {q.Shape} and key {k.Shape} have different head dims ({dim} and {k.Shape[3]})");
        if (k.Shape[0] != batch)
            throw new ArgumentException($"attention: query {q.Shape} and key {k.Shape} have different batch sizes ({batch} and {k.Shape[0]})");
        if (kvHeads == 0 ? heads != 0 : heads % kvHeads != 0)
            throw new ArgumentException(
                $"attention: query heads ({heads}) must be a multiple of key/value heads ({kvHeads}): query {q.Shape}, key {k.Shape}");

        int totalKeys = tk, rowsPerHead = tk;
        if (cache is not null)
        {
            var c = cache.Keys.Shape;
            F32(cache.Keys, "attention's KV cache keys");
            F32(cache.Values, "attention's KV cache values");
            if (c.Rank != 4 || cache.Values.Shape != c)
                throw new ArgumentException(
                    $"attention: the KV cache must be keys and values of one shape [batch, kv heads, capacity, dim]; got {c} and {cache.Values.Shape}");
            if (c[0] != batch)
                throw new ArgumentException($"attention: the KV cache {c} and key {k.Shape} have different batch sizes ({c[0]} and {batch})");
            if (c[1] != kvHeads)
                throw new ArgumentException($"attention: the KV cache {c} and key {k.Shape} have different kv head counts ({c[1]} and {kvHeads})");
            if (c[3] != dim)
                throw new ArgumentException($"attention: the KV cache {c} and key {k.Shape} have different head dims ({c[3]} and {dim})");
            if (cache.Length + tk > cache.Capacity)
                throw new ArgumentException(
                    $"attention: the KV cache {c} holds {cache.Capacity} positions; {cache.Length} are filled and key {k.Shape} adds {tk}, which do not fit");
            totalKeys = cache.Length + tk;
            rowsPerHead = cache.Capacity;
        }

        if (o.KeyPaddingMask is { } mask)
        {
            if (mask.DType != DType.I32 || mask.Rank != 2 || mask.Shape[0] != batch || mask.Shape[1] != totalKeys)
                throw new ArgumentException(
                    $"attention: the key padding mask must be i32 [batch, keys] = [{batch}, {totalKeys}] for query {q.Shape} and key {k.Shape}" +
                    (cache is null ? "" : $" with {cache.Length} cached positions") + $"; got {mask.DType.Name()} {mask.Shape}");
        }

        bool biasPerBatch = false;
        if (o.Bias is { } bias)
        {
            F32(bias, "attention's bias");
            var perHead = new Shape(heads, tq, totalKeys);
            var perBatch = new Shape(batch, heads, tq, totalKeys);
            biasPerBatch = bias.Shape == perBatch;
            if (!biasPerBatch && bias.Shape != perHead)
                throw new ArgumentException(
                    $"attention: the bias must be [heads, queries, keys] = {perHead} or [batch, heads, queries, keys] = {perBatch} " +
                    $"for query {q.Shape} and key {k.Shape}" + (cache is null ? "" : $" with {cache.Length} cached positions") + $"; got {bias.Shape}");
        }

        float scale = o.Scale ?? (dim > 0 ? 1f / MathF.Sqrt(dim) : 1f);
        return new AttentionShape(batch, heads, kvHeads, tq, tk, dim, totalKeys, rowsPerHead, scale,
            o.Causal, o.KeyPaddingMask is not null, o.Bias is not null, biasPerBatch);
    }
}
