using System.Runtime.InteropServices;
using LlmLab.Tensors;

namespace LlmLab.Backends.Cpu;

/// <summary>
/// The managed SIMD backend: Vector256/Vector512 with FMA, cache-blocked matmul, and static work splitting over
/// <see cref="Threads"/> cores so 1 and N threads give the same bits. Thread count: the constructor argument, else
/// LLMLAB_THREADS, else every core. The ops live in the partial files beside this one, the kernels in Kernels/.
/// </summary>
public sealed partial class CpuBackend : IBackend
{
    public const string ThreadsVariable = "LLMLAB_THREADS";

    public CpuBackend(int? threads = null)
    {
        int n = threads ?? (int.TryParse(Environment.GetEnvironmentVariable(ThreadsVariable), out int t) ? t : Environment.ProcessorCount);
        if (n < 1) throw new ArgumentOutOfRangeException(nameof(threads), $"the cpu backend needs at least 1 thread, got {n}");
        Parallel = new CpuParallel(n);
    }

    public string Name => "cpu";
    public int Threads => Parallel.Threads;
    internal CpuParallel Parallel { get; }
    internal CpuMemoryPool Memory { get; } = new();

    public MemoryMeter TensorMemory { get; } = new();

    // ---- memory ---------------------------------------------------------------------------------------------

    public TensorStorage Allocate(long byteLength) => new CpuStorage(this, byteLength);

    public void Write(TensorStorage destination, long byteOffset, ReadOnlySpan<byte> source) =>
        source.CopyTo(Own(destination).Data.AsSpan((int)byteOffset));

    public void Read(TensorStorage source, long byteOffset, Span<byte> destination) =>
        Own(source).Data.AsSpan((int)byteOffset, destination.Length).CopyTo(destination);

    public void Copy(TensorStorage source, long sourceOffset, TensorStorage destination, long destinationOffset, long byteLength) =>
        Own(source).Data.AsSpan((int)sourceOffset, (int)byteLength).CopyTo(Own(destination).Data.AsSpan((int)destinationOffset));

    public void Synchronize() { }

    public void ReleaseCachedMemory() => Memory.Clear();

    public void Dispose() { }

    // ---- typed access for kernels ---------------------------------------------------------------------------

    /// <summary>The tensor's elements as a span of T (checked against its dtype).</summary>
    internal Span<T> Span<T>(Tensor t) where T : unmanaged
    {
        t.RequireType(DTypeInfo.Of<T>());
        return MemoryMarshal.Cast<byte, T>(Bytes(t));
    }

    /// <summary>The tensor's raw bytes (how kernels read block formats).</summary>
    internal Span<byte> Bytes(Tensor t) => Own(t.Storage).Data.AsSpan((int)t.ByteOffset, (int)t.ByteLength);

    /// <summary>ids as i32 or i64, read as long (embedding ids, targets).</summary>
    internal long[] Indices(Tensor ids) => ids.DType switch
    {
        DType.I32 => Array.ConvertAll(Span<int>(ids).ToArray(), x => (long)x),
        DType.I64 => Span<long>(ids).ToArray(),
        _ => throw new ArgumentException($"indices must be i32 or i64, got {ids.DType.Name()} of shape {ids.Shape}"),
    };

    internal Tensor NewF32(Shape shape) => Tensor.Zeros(this, shape);

    /// <summary>An f32 tensor whose memory may hold old values: only for kernels that write every element.</summary>
    internal Tensor NewF32Output(Shape shape) => new(new CpuStorage(this, shape.ElementCount * 4, clear: false), shape, DType.F32);

    private CpuStorage Own(TensorStorage storage)
    {
        if (storage is CpuStorage own && ReferenceEquals(own.Backend, this))
        {
            if (own.IsDisposed) throw new ObjectDisposedException("tensor", "the tensor's storage was disposed");
            return own;
        }
        throw new ArgumentException($"a tensor on backend '{storage.Backend.Name}' was passed to another backend ('{Name}'); move it with tensor.To(backend)");
    }
}
