using LlmLab.Backends;

namespace LlmLab.Tensors;

/// <summary>A block of device memory owned by a backend. Tensors are views into one.</summary>
public abstract class TensorStorage : IDisposable
{
    protected TensorStorage(IBackend backend, long byteLength)
    {
        Backend = backend;
        ByteLength = byteLength;
        backend.TensorMemory.Allocated(byteLength);
    }

    /// <summary>The backend that owns this memory.</summary>
    public IBackend Backend { get; }
    public long ByteLength { get; }
    public bool IsDisposed { get; private set; }

    public void Dispose()
    {
        if (IsDisposed) return;
        IsDisposed = true;
        Backend.TensorMemory.Freed(ByteLength);
        Release();
        GC.SuppressFinalize(this);
    }

    protected abstract void Release();
}
