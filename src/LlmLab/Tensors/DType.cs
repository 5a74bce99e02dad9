namespace LlmLab.Tensors;

/// <summary>Element types a tensor can hold. Q8_0 and Q4_0 are ggml's block formats (docs/references.md).</summary>
public enum DType
{
    F32,
    I32,
    I64,
    I8,
    /// <summary>ggml Q8_0: blocks of 32 values, an fp16 scale then 32 signed bytes (34 bytes a block).</summary>
    Q8_0,
    /// <summary>ggml Q4_0: blocks of 32 values, an fp16 scale then 16 bytes of nibbles (18 bytes a block).</summary>
    Q4_0,
}

public static class DTypeInfo
{
    /// <summary>Values per storage block: 1 for plain types, 32 for the ggml block formats.</summary>
    public static int BlockLength(this DType dtype) => dtype is DType.Q8_0 or DType.Q4_0 ? 32 : 1;

    /// <summary>Bytes per storage block (per element for plain types).</summary>
    public static int BlockBytes(this DType dtype) => dtype switch
    {
        DType.F32 or DType.I32 => 4,
        DType.I64 => 8,
        DType.I8 => 1,
        DType.Q8_0 => 34,
        DType.Q4_0 => 18,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "unknown dtype"),
    };

    public static bool IsBlockFormat(this DType dtype) => dtype.BlockLength() > 1;

    /// <summary>Bytes needed to store <paramref name="count"/> values (a whole number of blocks).</summary>
    public static long ByteCount(this DType dtype, long count)
    {
        int block = dtype.BlockLength();
        if (count % block != 0)
            throw new ArgumentException($"{dtype} stores values in blocks of {block}; {count} values is not a whole number of blocks");
        return count / block * dtype.BlockBytes();
    }

    /// <summary>The dtype matching a .NET element type (for typed uploads and downloads).</summary>
    public static DType Of<T>() where T : unmanaged =>
        typeof(T) == typeof(float) ? DType.F32 :
        typeof(T) == typeof(int) ? DType.I32 :
        typeof(T) == typeof(long) ? DType.I64 :
        typeof(T) == typeof(sbyte) ? DType.I8 :
        throw new ArgumentException($"no tensor dtype holds {typeof(T).Name} values");

    public static string Name(this DType dtype) => dtype switch
    {
        DType.F32 => "f32",
        DType.I32 => "i32",
        DType.I64 => "i64",
        DType.I8 => "i8",
        DType.Q8_0 => "q8_0",
        DType.Q4_0 => "q4_0",
        _ => dtype.ToString(),
    };
}
