using ILGPU;

namespace LlmLab.Backends.Ilgpu.Kernels;

/// <summary>Appends new keys (or values) [B, Hkv, Tk, D] to a KV cache [B, Hkv, capacity, D] at a position: a strided copy.</summary>
internal static class AttentionCacheKernel
{
    /// <param name="i">Element of the source.</param>
    /// <param name="source">The new rows, perHead = Tk * D elements per (batch, kv head).</param>
    /// <param name="cache">The cache, headStride = capacity * D elements per (batch, kv head).</param>
    /// <param name="perHead">Tk * D.</param>
    /// <param name="headStride">capacity * D.</param>
    /// <param name="at">The cache's length times D: where the new rows go.</param>
    public static void Append(Index1D i, ArrayView<float> source, ArrayView<float> cache, int perHead, int headStride, int at)
    {
        int head = i / perHead;
        cache[(long)head * headStride + at + (i - head * perHead)] = source[i];
    }
}
