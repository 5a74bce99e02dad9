using System.Runtime.InteropServices;
using LlmLab.Backends;

namespace LlmLab.Tensors;

/// <summary>
/// A dense, row-major view of <see cref="Shape"/> elements of one <see cref="DType"/>, held in a backend's
/// <see cref="TensorStorage"/> at <see cref="ByteOffset"/>. Reshape and leading-axis slices share the storage;
/// every op returns a new tensor. Disposing a view disposes the storage it shares.
/// </summary>
public sealed class Tensor : IDisposable
{
    public Tensor(TensorStorage storage, Shape shape, DType dtype, long byteOffset = 0)
    {
        RequireWholeBlocks(shape, dtype);
        long bytes = dtype.ByteCount(shape.ElementCount);
        if (byteOffset < 0 || byteOffset + bytes > storage.ByteLength)
            throw new ArgumentException(
                $"a {dtype.Name()} tensor of shape {shape} at byte {byteOffset} needs {bytes} bytes; the storage holds {storage.ByteLength}");
        Storage = storage;
        Shape = shape;
        DType = dtype;
        ByteOffset = byteOffset;
    }

    public TensorStorage Storage { get; }
    public Shape Shape { get; }
    public DType DType { get; }
    public long ByteOffset { get; }
    public IBackend Backend => Storage.Backend;
    public int Rank => Shape.Rank;
    public long ElementCount => Shape.ElementCount;
    public long ByteLength => DType.ByteCount(ElementCount);

    /// <summary>Offset in elements (plain dtypes only), for kernels that index typed memory.</summary>
    public long ElementOffset => DType.IsBlockFormat()
        ? throw new InvalidOperationException($"{DType.Name()} tensors are addressed in bytes")
        : ByteOffset / DType.BlockBytes();

    // ---- creation -------------------------------------------------------------------------------------------

    /// <summary>A new uninitialised-or-zero tensor on <paramref name="backend"/> (backends zero fresh memory).</summary>
    public static Tensor Zeros(IBackend backend, Shape shape, DType dtype = DType.F32)
    {
        RequireWholeBlocks(shape, dtype);
        return new(backend.Allocate(dtype.ByteCount(shape.ElementCount)), shape, dtype);
    }

    /// <summary>Copies <paramref name="values"/> to a new tensor of <paramref name="shape"/>.</summary>
    public static Tensor From<T>(IBackend backend, ReadOnlySpan<T> values, params int[] shape) where T : unmanaged
    {
        var s = new Shape(shape);
        if (values.Length != s.ElementCount)
            throw new ArgumentException($"{values.Length} values cannot fill shape {s} ({s.ElementCount} elements)");
        var t = Zeros(backend, s, DTypeInfo.Of<T>());
        backend.Write(t.Storage, 0, MemoryMarshal.AsBytes(values));
        return t;
    }

    public static Tensor From<T>(IBackend backend, T[] values, params int[] shape) where T : unmanaged =>
        From(backend, (ReadOnlySpan<T>)values, shape);

    /// <summary>A tensor from raw bytes in <paramref name="dtype"/>'s storage layout (how block formats are loaded).</summary>
    public static Tensor FromBytes(IBackend backend, ReadOnlySpan<byte> bytes, DType dtype, params int[] shape)
    {
        var s = new Shape(shape);
        RequireWholeBlocks(s, dtype);
        long need = dtype.ByteCount(s.ElementCount);
        if (bytes.Length != need)
            throw new ArgumentException($"a {dtype.Name()} tensor of shape {s} takes {need} bytes, not {bytes.Length}");
        var t = Zeros(backend, s, dtype);
        backend.Write(t.Storage, 0, bytes);
        return t;
    }

    // ---- back to the host -----------------------------------------------------------------------------------

    public T[] ToArray<T>() where T : unmanaged
    {
        RequireType(DTypeInfo.Of<T>());
        var result = new T[ElementCount];
        Backend.Read(Storage, ByteOffset, MemoryMarshal.AsBytes(result.AsSpan()));
        return result;
    }

    /// <summary>The raw storage bytes of this view (block formats included).</summary>
    public byte[] ToBytes()
    {
        var result = new byte[ByteLength];
        Backend.Read(Storage, ByteOffset, result);
        return result;
    }

    // ---- views ----------------------------------------------------------------------------------------------

    /// <summary>The same elements under another shape, without a copy. One dimension may be -1 (inferred).</summary>
    public Tensor Reshape(params int[] dims)
    {
        var d = (int[])dims.Clone();
        int infer = Array.IndexOf(d, -1);
        if (infer >= 0)
        {
            long known = 1;
            for (int i = 0; i < d.Length; i++) if (i != infer) known *= d[i];
            if (known == 0 || ElementCount % known != 0)
                throw new ArgumentException($"cannot reshape {Shape} to {new Shape(d.Select(x => Math.Max(x, 0)).ToArray())} with -1");
            d[infer] = (int)(ElementCount / known);
        }
        var s = new Shape(d);
        if (s.ElementCount != ElementCount)
            throw new ArgumentException($"cannot reshape {Shape} ({ElementCount} elements) to {s} ({s.ElementCount} elements)");
        return new Tensor(Storage, s, DType, ByteOffset);
    }

    /// <summary>Rows <paramref name="start"/>..start+count of the first axis, without a copy.</summary>
    public Tensor Slice(int start, int count)
    {
        if (Rank == 0) throw new InvalidOperationException("a scalar tensor has no axis to slice");
        if (start < 0 || count < 0 || start + count > Shape[0])
            throw new ArgumentOutOfRangeException(nameof(start), $"slice {start}..{start + count} is outside axis 0 of shape {Shape}");
        long rowBytes = DType.ByteCount(ElementCount / Math.Max(Shape[0], 1));
        return new Tensor(Storage, Shape.With(0, count), DType, ByteOffset + start * rowBytes);
    }

    /// <summary>A copy with its own storage.</summary>
    public Tensor Clone()
    {
        var t = Zeros(Backend, Shape, DType);
        Backend.Copy(Storage, ByteOffset, t.Storage, 0, ByteLength);
        return t;
    }

    /// <summary>Copies this tensor to another backend (host round trip).</summary>
    public Tensor To(IBackend backend)
    {
        if (ReferenceEquals(backend, Backend)) return this;
        var t = Zeros(backend, Shape, DType);
        backend.Write(t.Storage, 0, ToBytes());
        return t;
    }

    // ---- checks ops share -----------------------------------------------------------------------------------

    public void RequireType(DType dtype)
    {
        if (DType != dtype)
            throw new ArgumentException($"expected a {dtype.Name()} tensor, got {DType.Name()} of shape {Shape}");
    }

    private static void RequireWholeBlocks(Shape shape, DType dtype)
    {
        if (dtype.IsBlockFormat() && shape.Last % dtype.BlockLength() != 0)
            throw new ArgumentException(
                $"a {dtype.Name()} tensor needs its last dimension to be a multiple of {dtype.BlockLength()}; shape {shape} is not");
    }

    public override string ToString() => $"Tensor({DType.Name()} {Shape} on {Backend.Name})";

    public void Dispose() => Storage.Dispose();
}
