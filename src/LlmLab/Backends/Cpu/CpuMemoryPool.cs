namespace LlmLab.Backends.Cpu;

/// <summary>
/// Freed tensor memory kept for reuse, by exact size. A training step allocates and frees the same activation and
/// gradient sizes every time (about 90 MB a step for the 4-layer, width-128 GPT); fresh arrays of that size live
/// on the large-object heap, so each one cost a page-faulting allocation and, every few steps, a gen-2 collection.
/// A reused array is cleared before it is handed out (tensors start as zeros) unless the caller is a kernel that
/// overwrites every element (clearing 90 MB a step on one thread cost more than the kernels it fed). At most <see cref="MaxPooledBytes"/>
/// are kept, until <see cref="Clear"/> lets them go (the loaders do, so a loaded model holds no pooled arrays);
/// small arrays are left to the GC, which handles them well.
/// </summary>
internal sealed class CpuMemoryPool
{
    public const long MinPooledBytes = 16 * 1024;
    public const long MaxPooledBytes = 1L << 30;

    private readonly Dictionary<long, Stack<byte[]>> _free = new();
    private long _pooledBytes;

    public byte[] Rent(long byteLength, bool clear = true)
    {
        if (byteLength > Array.MaxLength)
            throw new ArgumentException($"the cpu backend holds tensors of up to {Array.MaxLength} bytes; {byteLength} were asked for");
        if (byteLength >= MinPooledBytes)
        {
            byte[]? reused = null;
            lock (_free)
                if (_free.TryGetValue(byteLength, out var stack) && stack.Count > 0)
                {
                    reused = stack.Pop();
                    _pooledBytes -= byteLength;
                }
            if (reused is not null)
            {
                if (clear) Array.Clear(reused);
                return reused;
            }
        }
        return new byte[byteLength];
    }

    /// <summary>The bytes of freed arrays held for reuse now.</summary>
    public long PooledBytes
    {
        get
        {
            lock (_free) return _pooledBytes;
        }
    }

    /// <summary>Drops every pooled array (the GC takes them).</summary>
    public void Clear()
    {
        lock (_free)
        {
            _free.Clear();
            _pooledBytes = 0;
        }
    }

    public void Return(byte[] data)
    {
        if (data.Length < MinPooledBytes) return;
        lock (_free)
        {
            if (_pooledBytes + data.Length > MaxPooledBytes) return;
            if (!_free.TryGetValue(data.Length, out var stack)) _free[data.Length] = stack = new Stack<byte[]>();
            stack.Push(data);
            _pooledBytes += data.Length;
        }
    }
}
