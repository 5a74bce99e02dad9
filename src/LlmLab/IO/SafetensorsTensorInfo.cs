namespace LlmLab.IO;

/// <summary>One header entry, validated: its bytes are [Begin, End) of the data section (after the header).</summary>
public sealed record SafetensorsTensorInfo(string Name, SafetensorsDType DType, int[] Shape, long Begin, long End)
{
    public long ElementCount => Shape.Aggregate(1L, (a, b) => a * b);
    public long ByteLength => End - Begin;
    public override string ToString() => $"{Name}: {DType} [{string.Join(", ", Shape)}]";
}
