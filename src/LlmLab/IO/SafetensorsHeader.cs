using System.Text.Json;

namespace LlmLab.IO;

/// <summary>
/// The JSON header of a safetensors file, parsed and checked against the data section before any byte of data is
/// touched: every entry has a known dtype, a shape of non-negative integers, and data_offsets [begin, end] inside
/// the data section with begin &lt;= end and (end - begin) = elements x dtype size; no two tensors share bytes.
/// Gaps between tensors and bytes after the last one are allowed (nothing reads them).
/// </summary>
internal static class SafetensorsHeader
{
    public const string MetadataKey = "__metadata__";

    public static (List<SafetensorsTensorInfo> Tensors, Dictionary<string, string> Metadata) Parse(
        string path, ReadOnlyMemory<byte> json, long dataLength)
    {
        if (!System.Text.Unicode.Utf8.IsValid(json.Span))
            throw new SafetensorsException(path, null, "the header is not valid JSON (it is not valid UTF-8)");
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (Exception e) when (e is JsonException or ArgumentException)
        {
            throw new SafetensorsException(path, null, $"the header is not valid JSON ({e.Message})", e);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw new SafetensorsException(path, null, $"the header must be a JSON object, found {root.ValueKind}");

            var tensors = new List<SafetensorsTensorInfo>();
            var metadata = new Dictionary<string, string>();
            var seen = new HashSet<string>();
            foreach (var property in root.EnumerateObject())
            {
                if (!seen.Add(property.Name))
                    throw new SafetensorsException(path, property.Name, "appears twice in the header");
                if (property.Name == MetadataKey)
                    ReadMetadata(path, property.Value, metadata);
                else
                    tensors.Add(ReadEntry(path, property.Name, property.Value, dataLength));
            }
            CheckNoOverlap(path, tensors);
            return (tensors, metadata);
        }
    }

    private static void ReadMetadata(string path, JsonElement value, Dictionary<string, string> metadata)
    {
        if (value.ValueKind != JsonValueKind.Object)
            throw new SafetensorsException(path, null, $"{MetadataKey} must be an object of strings, found {value.ValueKind}");
        foreach (var entry in value.EnumerateObject())
        {
            if (entry.Value.ValueKind != JsonValueKind.String)
                throw new SafetensorsException(path, null, $"{MetadataKey} entry '{entry.Name}' must be a string, found {entry.Value.ValueKind}");
            metadata[entry.Name] = entry.Value.GetString()!;
        }
    }

    private static SafetensorsTensorInfo ReadEntry(string path, string name, JsonElement entry, long dataLength)
    {
        if (entry.ValueKind != JsonValueKind.Object)
            throw new SafetensorsException(path, name, $"header entry must be an object with dtype, shape and data_offsets, found {entry.ValueKind}");

        if (!entry.TryGetProperty("dtype", out var dtypeElement) || dtypeElement.ValueKind != JsonValueKind.String)
            throw new SafetensorsException(path, name, "has no dtype string");
        string dtypeText = dtypeElement.GetString()!;
        if (!SafetensorsDTypeInfo.TryParse(dtypeText, out var dtype))
            throw new SafetensorsException(path, name,
                $"has dtype '{dtypeText}', which LlmLab does not read (known: {string.Join(", ", Enum.GetNames<SafetensorsDType>())})");

        if (!entry.TryGetProperty("shape", out var shapeElement) || shapeElement.ValueKind != JsonValueKind.Array)
            throw new SafetensorsException(path, name, "has no shape array");
        var shape = new int[shapeElement.GetArrayLength()];
        int axis = 0;
        foreach (var dim in shapeElement.EnumerateArray())
        {
            if (dim.ValueKind != JsonValueKind.Number || !dim.TryGetInt64(out long d) || d < 0 || d > int.MaxValue)
                throw new SafetensorsException(path, name, $"has shape entry {dim.GetRawText()}, not an integer in [0, {int.MaxValue}]");
            shape[axis++] = (int)d;
        }

        if (!entry.TryGetProperty("data_offsets", out var offsets) || offsets.ValueKind != JsonValueKind.Array || offsets.GetArrayLength() != 2)
            throw new SafetensorsException(path, name, "has no data_offsets pair [begin, end]");
        long begin = Offset(path, name, offsets[0]), end = Offset(path, name, offsets[1]);
        if (begin > end)
            throw new SafetensorsException(path, name, $"has data_offsets [{begin}, {end}] with begin after end");
        if (end > dataLength)
            throw new SafetensorsException(path, name, $"has data_offsets [{begin}, {end}] past the end of the data section ({dataLength} bytes)");

        long bytes;
        try
        {
            bytes = checked(shape.Aggregate(1L, (a, b) => checked(a * b)) * dtype.Size());
        }
        catch (OverflowException)
        {
            throw new SafetensorsException(path, name, $"has shape [{string.Join(", ", shape)}], too large to address");
        }
        if (bytes != end - begin)
            throw new SafetensorsException(path, name,
                $"has shape [{string.Join(", ", shape)}] of {dtype} ({bytes} bytes) but data_offsets [{begin}, {end}] hold {end - begin} bytes");
        return new SafetensorsTensorInfo(name, dtype, shape, begin, end);
    }

    private static long Offset(string path, string name, JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt64(out long offset) || offset < 0)
            throw new SafetensorsException(path, name, $"has data offset {value.GetRawText()}, not a non-negative integer");
        return offset;
    }

    private static void CheckNoOverlap(string path, List<SafetensorsTensorInfo> tensors)
    {
        var byStart = tensors.Where(t => t.End > t.Begin).OrderBy(t => t.Begin).ToList();
        for (int i = 1; i < byStart.Count; i++)
            if (byStart[i].Begin < byStart[i - 1].End)
                throw new SafetensorsException(path, byStart[i].Name,
                    $"bytes [{byStart[i].Begin}, {byStart[i].End}) overlap tensor '{byStart[i - 1].Name}' [{byStart[i - 1].Begin}, {byStart[i - 1].End})");
    }
}
