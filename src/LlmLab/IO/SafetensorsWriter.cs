using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace LlmLab.IO;

/// <summary>
/// Builds a safetensors file: tensors are laid out back to back in the order they were added, the JSON header is
/// padded with spaces to a multiple of 8 bytes (as the Rust reference does, so data stays aligned), and
/// <see cref="Save"/> writes atomically (a temporary file, then a rename).
/// </summary>
public sealed class SafetensorsWriter
{
    private readonly List<(string Name, SafetensorsDType DType, int[] Shape, byte[] Data)> _tensors = new();

    public Dictionary<string, string> Metadata { get; } = new();

    /// <summary>Adds raw little-endian bytes of <paramref name="dtype"/>; their length must match the shape.</summary>
    public SafetensorsWriter Add(string name, SafetensorsDType dtype, int[] shape, ReadOnlySpan<byte> data)
    {
        if (name == SafetensorsHeader.MetadataKey) throw new ArgumentException($"'{name}' is reserved for metadata");
        if (_tensors.Any(t => t.Name == name)) throw new ArgumentException($"a tensor named '{name}' was already added");
        if (shape.Any(d => d < 0)) throw new ArgumentException($"tensor '{name}': shape [{string.Join(", ", shape)}] has a negative dimension");
        long bytes = shape.Aggregate(1L, (a, b) => a * b) * dtype.Size();
        if (bytes != data.Length)
            throw new ArgumentException($"tensor '{name}': shape [{string.Join(", ", shape)}] of {dtype} takes {bytes} bytes, got {data.Length}");
        _tensors.Add((name, dtype, (int[])shape.Clone(), data.ToArray()));
        return this;
    }

    public SafetensorsWriter Add(string name, float[] values, params int[] shape) => Add(name, SafetensorsDType.F32, shape, MemoryMarshal.AsBytes(values.AsSpan()));
    public SafetensorsWriter Add(string name, double[] values, params int[] shape) => Add(name, SafetensorsDType.F64, shape, MemoryMarshal.AsBytes(values.AsSpan()));
    public SafetensorsWriter Add(string name, Half[] values, params int[] shape) => Add(name, SafetensorsDType.F16, shape, MemoryMarshal.AsBytes(values.AsSpan()));
    public SafetensorsWriter Add(string name, long[] values, params int[] shape) => Add(name, SafetensorsDType.I64, shape, MemoryMarshal.AsBytes(values.AsSpan()));
    public SafetensorsWriter Add(string name, int[] values, params int[] shape) => Add(name, SafetensorsDType.I32, shape, MemoryMarshal.AsBytes(values.AsSpan()));
    public SafetensorsWriter Add(string name, sbyte[] values, params int[] shape) => Add(name, SafetensorsDType.I8, shape, MemoryMarshal.AsBytes(values.AsSpan()));
    public SafetensorsWriter Add(string name, byte[] values, params int[] shape) => Add(name, SafetensorsDType.U8, shape, values);

    /// <summary>bfloat16 values from floats, rounded to nearest even (NaN stays NaN).</summary>
    public SafetensorsWriter AddBFloat16(string name, float[] values, params int[] shape)
    {
        var bits = new ushort[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            uint b = BitConverter.SingleToUInt32Bits(values[i]);
            bits[i] = float.IsNaN(values[i]) ? (ushort)((b >> 16) | 0x40) : (ushort)((b + 0x7FFF + ((b >> 16) & 1)) >> 16);
        }
        return Add(name, SafetensorsDType.BF16, shape, MemoryMarshal.AsBytes(bits.AsSpan()));
    }

    /// <summary>The whole file as bytes.</summary>
    public byte[] ToBytes()
    {
        using var stream = new MemoryStream();
        WriteTo(stream);
        return stream.ToArray();
    }

    public void WriteTo(Stream stream)
    {
        byte[] header = Header();
        Span<byte> length = stackalloc byte[8];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)header.Length);
        stream.Write(length);
        stream.Write(header);
        foreach (var t in _tensors) stream.Write(t.Data);
    }

    /// <summary>Writes the file atomically: readers see the old file or the whole new one.</summary>
    public void Save(string path) => AtomicFile.Write(path, WriteTo);

    private byte[] Header()
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            if (Metadata.Count > 0)
            {
                json.WriteStartObject(SafetensorsHeader.MetadataKey);
                foreach (var (key, value) in Metadata) json.WriteString(key, value);
                json.WriteEndObject();
            }
            long offset = 0;
            foreach (var t in _tensors)
            {
                json.WriteStartObject(t.Name);
                json.WriteString("dtype", t.DType.ToString());
                json.WriteStartArray("shape");
                foreach (int d in t.Shape) json.WriteNumberValue(d);
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(offset + t.Data.Length);
                json.WriteEndArray();
                json.WriteEndObject();
                offset += t.Data.Length;
            }
            json.WriteEndObject();
        }
        int padding = (int)((8 - buffer.Length % 8) % 8);
        buffer.Write(Encoding.ASCII.GetBytes(new string(' ', padding)));
        return buffer.ToArray();
    }
}
