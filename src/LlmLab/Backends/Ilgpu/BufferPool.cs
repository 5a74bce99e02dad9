using ILGPU;
using ILGPU.Runtime;

namespace LlmLab.Backends.Ilgpu;

/// <summary>
/// Freed device buffers kept by exact size for reuse. Training and generation allocate the same shapes every step,
/// so exact sizes hit; the pool holds at most <see cref="CapacityBytes"/> and frees the rest.
/// </summary>
internal sealed class BufferPool
{
    public const long CapacityBytes = 2L << 30;

    private readonly Dictionary<long, Stack<MemoryBuffer1D<byte, Stride1D.Dense>>> _free = new();
    private long _held;

    public MemoryBuffer1D<byte, Stride1D.Dense>? Take(long bytes)
    {
        lock (_free)
        {
            if (!_free.TryGetValue(bytes, out var stack) || stack.Count == 0) return null;
            _held -= bytes;
            return stack.Pop();
        }
    }

    /// <summary>False when the pool is full: the caller frees the buffer.</summary>
    public bool Return(MemoryBuffer1D<byte, Stride1D.Dense> buffer)
    {
        lock (_free)
        {
            if (_held + buffer.Length > CapacityBytes) return false;
            if (!_free.TryGetValue(buffer.Length, out var stack)) _free[buffer.Length] = stack = new();
            stack.Push(buffer);
            _held += buffer.Length;
            return true;
        }
    }

    public void Clear()
    {
        lock (_free)
        {
            foreach (var stack in _free.Values)
                while (stack.Count > 0) stack.Pop().Dispose();
            _free.Clear();
            _held = 0;
        }
    }
}
