using System.Buffers.Binary;
using System.IO.MemoryMappedFiles;
using System.Runtime.InteropServices;
using LlmLab.Backends;
using LlmLab.Tensors;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace LlmLab.IO;

/// <summary>
/// A safetensors file (Hugging Face's format: an 8-byte little-endian header length, a JSON header of
/// name -> {dtype, shape, data_offsets} with optional <c>__metadata__</c>, then the raw little-endian bytes),
/// memory-mapped and read lazily: opening parses and validates only the header (<see cref="SafetensorsHeader"/>);
/// a tensor's bytes are touched when it is read. Every problem is one <see cref="SafetensorsException"/> naming the
/// file and the tensor. Reads are safe from several threads; dispose to unmap.
/// </summary>
public sealed unsafe class Safetensors : IDisposable
{
    /// <summary>Headers larger than this are refused (the Rust reference uses the same 100 MB bound).</summary>
    public const long MaxHeaderBytes = 100_000_000;

    private const int ChunkElements = 1 << 20;

    private readonly MemoryMappedFile _map;
    private readonly MemoryMappedViewAccessor _view;
    private readonly Dictionary<string, SafetensorsTensorInfo> _byName;
    private byte* _data;

    private Safetensors(string path, MemoryMappedFile map, MemoryMappedViewAccessor view, byte* data,
        List<SafetensorsTensorInfo> tensors, Dictionary<string, string> metadata)
    {
        Path = path;
        _map = map;
        _view = view;
        _data = data;
        Tensors = tensors;
        Metadata = metadata;
        _byName = tensors.ToDictionary(t => t.Name);
    }

    public string Path { get; }
    /// <summary>Every tensor, in header order.</summary>
    public IReadOnlyList<SafetensorsTensorInfo> Tensors { get; }
    /// <summary>The header's <c>__metadata__</c> (empty when it has none).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }
    public IEnumerable<string> Names => Tensors.Select(t => t.Name);

    public static Safetensors Open(string path)
    {
        if (!BitConverter.IsLittleEndian)
            throw new PlatformNotSupportedException("safetensors data is little-endian; this reader assumes a little-endian machine");
        FileStream stream;
        try
        {
            stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new SafetensorsException(path, null, $"cannot open the file ({e.Message})", e);
        }

        long fileLength = stream.Length;
        if (fileLength < 8)
        {
            stream.Dispose();
            throw new SafetensorsException(path, null, $"the file has {fileLength} bytes, too few for the 8-byte header length");
        }

        MemoryMappedFile? map = null;
        MemoryMappedViewAccessor? view = null;
        byte* pointer = null;
        try
        {
            map = MemoryMappedFile.CreateFromFile(stream, null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: false);
            view = map.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
            view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
            byte* start = pointer + view.PointerOffset;

            ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(new ReadOnlySpan<byte>(start, 8));
            if (headerLength > MaxHeaderBytes)
                throw new SafetensorsException(path, null, $"the header length {headerLength} exceeds the {MaxHeaderBytes}-byte limit");
            if (headerLength > (ulong)(fileLength - 8))
                throw new SafetensorsException(path, null, $"the header length {headerLength} runs past the end of the file ({fileLength} bytes)");

            long dataStart = 8 + (long)headerLength;
            var header = new ReadOnlySpan<byte>(start + 8, (int)headerLength).ToArray();
            var (tensors, metadata) = SafetensorsHeader.Parse(path, header, fileLength - dataStart);
            return new Safetensors(path, map, view, start + dataStart, tensors, metadata);
        }
        catch
        {
            if (pointer != null) view!.SafeMemoryMappedViewHandle.ReleasePointer();
            view?.Dispose();
            map?.Dispose();
            stream.Dispose();
            throw;
        }
    }

    public bool Contains(string name) => _byName.ContainsKey(name);

    /// <summary>The header entry of a tensor.</summary>
    public SafetensorsTensorInfo Info(string name) =>
        _byName.TryGetValue(name, out var info)
            ? info
            : throw new SafetensorsException(Path, name, $"is not in the file ({Tensors.Count} tensors" +
                (Tensors.Count > 0 ? $", e.g. '{Tensors[0].Name}')" : ")"));

    /// <summary>The tensor's bytes as stored (little-endian).</summary>
    public byte[] ReadBytes(string name)
    {
        var info = Info(name);
        if (info.ByteLength > Array.MaxLength)
            throw new SafetensorsException(Path, name, $"holds {info.ByteLength} bytes, more than one array can");
        var result = new byte[info.ByteLength];
        CopyBytes(info, 0, result);
        return result;
    }

    /// <summary>A floating-point tensor as float32 (F16, BF16 and F64 converted; F64 rounds to nearest).</summary>
    public float[] ReadFloats(string name)
    {
        var info = Info(name);
        if (!info.DType.IsFloatingPoint())
            throw new SafetensorsException(Path, name, $"is {info.DType}, not a floating-point tensor");
        var result = new float[CheckedCount(info)];
        ReadFloats(info, result);
        return result;
    }

    /// <summary>An integer or bool tensor widened to long (I64, I32, I8, U8, BOOL).</summary>
    public long[] ReadInt64(string name)
    {
        var info = Info(name);
        var result = new long[CheckedCount(info)];
        switch (info.DType)
        {
            case SafetensorsDType.I64: CopyBytes(info, 0, MemoryMarshal.AsBytes(result.AsSpan())); break;
            case SafetensorsDType.I32: Convert<int, long>(info, result, x => x); break;
            case SafetensorsDType.I8: Convert<sbyte, long>(info, result, x => x); break;
            case SafetensorsDType.U8 or SafetensorsDType.BOOL: Convert<byte, long>(info, result, x => x); break;
            default: throw new SafetensorsException(Path, name, $"is {info.DType}, not an integer tensor");
        }
        return result;
    }

    /// <summary>An integer or bool tensor as int (I64 values must fit in an int: token ids, positions).</summary>
    public int[] ReadInt32(string name)
    {
        var info = Info(name);
        var result = new int[CheckedCount(info)];
        switch (info.DType)
        {
            case SafetensorsDType.I32: CopyBytes(info, 0, MemoryMarshal.AsBytes(result.AsSpan())); break;
            case SafetensorsDType.I64:
                Convert<long, int>(info, result, x => x is >= int.MinValue and <= int.MaxValue
                    ? (int)x
                    : throw new SafetensorsException(Path, name, $"holds the value {x}, which does not fit in an int"));
                break;
            case SafetensorsDType.I8: Convert<sbyte, int>(info, result, x => x); break;
            case SafetensorsDType.U8 or SafetensorsDType.BOOL: Convert<byte, int>(info, result, x => x); break;
            default: throw new SafetensorsException(Path, name, $"is {info.DType}, not an integer tensor");
        }
        return result;
    }

    /// <summary>
    /// A tensor on <paramref name="backend"/>: floating-point dtypes become f32, I64 i64, I32 i32, I8 i8, U8 and
    /// BOOL i32. Raw types are written straight from the mapping in chunks (no whole-tensor host copy).
    /// </summary>
    public Tensor ReadTensor(IBackend backend, string name)
    {
        var info = Info(name);
        var (dtype, direct) = info.DType switch
        {
            SafetensorsDType.F32 => (DType.F32, true),
            SafetensorsDType.F64 or SafetensorsDType.F16 or SafetensorsDType.BF16 => (DType.F32, false),
            SafetensorsDType.I64 => (DType.I64, true),
            SafetensorsDType.I32 => (DType.I32, true),
            SafetensorsDType.I8 => (DType.I8, true),
            _ => (DType.I32, false),
        };
        var tensor = Tensor.Zeros(backend, new Shape(info.Shape), dtype);
        try
        {
            if (direct)
            {
                for (long offset = 0; offset < info.ByteLength; offset += ChunkElements)
                {
                    int length = (int)Math.Min(ChunkElements, info.ByteLength - offset);
                    backend.Write(tensor.Storage, offset, Span(info, offset, length));
                }
            }
            else if (dtype == DType.F32)
            {
                var chunk = new float[Math.Min(ChunkElements, info.ElementCount)];
                ForEachChunk(info, (start, count) =>
                {
                    ConvertFloats(info, start, chunk.AsSpan(0, count));
                    backend.Write(tensor.Storage, start * 4, MemoryMarshal.AsBytes(chunk.AsSpan(0, count)));
                });
            }
            else
            {
                var chunk = new int[Math.Min(ChunkElements, info.ElementCount)];
                ForEachChunk(info, (start, count) =>
                {
                    var source = Span(info, start, count);
                    for (int i = 0; i < count; i++) chunk[i] = source[i];
                    backend.Write(tensor.Storage, start * 4, MemoryMarshal.AsBytes(chunk.AsSpan(0, count)));
                });
            }
            return tensor;
        }
        catch
        {
            tensor.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Copies the tensor's bytes as stored into <paramref name="destination"/>, whose bytes must number the same (a
    /// loader's parameter, or a quantised block tensor), straight from the mapping in chunks: no host array.
    /// </summary>
    public void ReadInto(string name, Tensor destination)
    {
        var info = Info(name);
        if (info.ByteLength != destination.ByteLength)
            throw new SafetensorsException(Path, name, $"holds {info.ByteLength} bytes; {destination} takes {destination.ByteLength}");
        for (long offset = 0; offset < info.ByteLength; offset += ChunkElements)
        {
            int length = (int)Math.Min(ChunkElements, info.ByteLength - offset);
            destination.Backend.Write(destination.Storage, destination.ByteOffset + offset, Span(info, offset, length));
        }
    }

    public void Dispose()
    {
        if (_data == null) return;
        _data = null;
        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _map.Dispose();
    }

    // ---- reading the mapping --------------------------------------------------------------------------------

    private ReadOnlySpan<byte> Span(SafetensorsTensorInfo info, long byteOffset, int length)
    {
        if (_data == null) throw new ObjectDisposedException(nameof(Safetensors), $"{Path} was closed");
        return new ReadOnlySpan<byte>(_data + info.Begin + byteOffset, length);
    }

    private void CopyBytes(SafetensorsTensorInfo info, long byteOffset, Span<byte> destination)
    {
        for (long done = 0; done < destination.Length; done += ChunkElements)
        {
            int length = (int)Math.Min(ChunkElements, destination.Length - done);
            Span(info, byteOffset + done, length).CopyTo(destination.Slice((int)done, length));
        }
    }

    private long CheckedCount(SafetensorsTensorInfo info) =>
        info.ElementCount <= Array.MaxLength
            ? info.ElementCount
            : throw new SafetensorsException(Path, info.Name, $"has {info.ElementCount} elements, more than one array can hold");

    private void ForEachChunk(SafetensorsTensorInfo info, Action<int, int> body)
    {
        for (long start = 0; start < info.ElementCount; start += ChunkElements)
            body((int)start, (int)Math.Min(ChunkElements, info.ElementCount - start));
    }

    private void ReadFloats(SafetensorsTensorInfo info, float[] result)
    {
        if (info.DType == SafetensorsDType.F32)
            CopyBytes(info, 0, MemoryMarshal.AsBytes(result.AsSpan()));
        else
            ForEachChunk(info, (start, count) => ConvertFloats(info, start, result.AsSpan(start, count)));
    }

    /// <summary>Elements [start, start + destination.Length) of a floating-point tensor, as float32.</summary>
    private void ConvertFloats(SafetensorsTensorInfo info, long start, Span<float> destination)
    {
        int size = info.DType.Size();
        var bytes = Span(info, start * size, destination.Length * size);
        switch (info.DType)
        {
            case SafetensorsDType.F32:
                bytes.CopyTo(MemoryMarshal.AsBytes(destination));
                break;
            case SafetensorsDType.F16:
                TensorPrimitives.ConvertToSingle(MemoryMarshal.Cast<byte, Half>(bytes), destination);
                break;
            case SafetensorsDType.BF16:
                var halves = MemoryMarshal.Cast<byte, ushort>(bytes);
                for (int i = 0; i < destination.Length; i++) destination[i] = BitConverter.Int32BitsToSingle(halves[i] << 16);
                break;
            case SafetensorsDType.F64:
                var doubles = MemoryMarshal.Cast<byte, double>(bytes);
                for (int i = 0; i < destination.Length; i++) destination[i] = (float)doubles[i];
                break;
        }
    }

    private void Convert<TFrom, TTo>(SafetensorsTensorInfo info, TTo[] result, Func<TFrom, TTo> convert) where TFrom : unmanaged
    {
        ForEachChunk(info, (start, count) =>
        {
            var source = MemoryMarshal.Cast<byte, TFrom>(Span(info, (long)start * sizeof(TFrom), count * sizeof(TFrom)));
            for (int i = 0; i < count; i++) result[start + i] = convert(source[i]);
        });
    }
}
