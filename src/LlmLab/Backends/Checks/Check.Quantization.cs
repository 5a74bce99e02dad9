using LlmLab.Tensors;

namespace LlmLab.Backends;

internal static partial class Check
{
    public static void QuantizeInt8(Tensor x, Int8Scheme scheme)
    {
        F32(x, "quantize_int8's input");
        if (!Enum.IsDefined(scheme))
            throw new ArgumentException($"quantize_int8: unknown scheme {(int)scheme}; use AbsmaxPerTensor, AbsmaxPerRow or ZeroPointPerTensor");
    }

    /// <summary>Values i8, scales f32 [rows] (per row) or [1], zero points i32 [1] exactly for the zero-point scheme.</summary>
    public static void Int8Tensor(Int8Tensor q, string op)
    {
        if (q.Values.DType != DType.I8)
            throw new ArgumentException($"{op}: int8 values must be i8, got {q.Values.DType.Name()} of shape {q.Values.Shape}");
        if (q.Scales.DType != DType.F32)
            throw new ArgumentException($"{op}: int8 scales must be f32, got {q.Scales.DType.Name()} of shape {q.Scales.Shape}");
        long want = q.Scheme == Int8Scheme.AbsmaxPerRow ? q.Values.Shape.Rows : 1;
        if (q.Scales.ElementCount != want)
            throw new ArgumentException(
                $"{op}: {q.Scheme} values of shape {q.Values.Shape} need {want} scale(s), got scales of shape {q.Scales.Shape}");
        bool zeroPoint = q.Scheme == Int8Scheme.ZeroPointPerTensor;
        if (zeroPoint && (q.ZeroPoints is null || q.ZeroPoints.DType != DType.I32 || q.ZeroPoints.ElementCount != 1))
            throw new ArgumentException(
                $"{op}: zero-point values need an i32 [1] zero point, got {(q.ZeroPoints is null ? "none" : $"{q.ZeroPoints.DType.Name()} of shape {q.ZeroPoints.Shape}")}");
        if (!zeroPoint && q.ZeroPoints is not null)
            throw new ArgumentException($"{op}: {q.Scheme} values take no zero point, got one of shape {q.ZeroPoints.Shape}");
    }

    public static void QuantizeBlocks(Tensor x, DType format)
    {
        F32(x, "quantize_blocks' input");
        if (!format.IsBlockFormat())
            throw new ArgumentException($"quantize_blocks: the format must be q8_0 or q4_0, got {format.Name()}");
        if (x.Rank == 0 || x.Shape.Last % 32 != 0)
            throw new ArgumentException(
                $"quantize_blocks: {format.Name()} needs the last dimension to be a multiple of 32 (blocks of 32 values); x has shape {x.Shape}");
    }

    public static void BlockTensor(Tensor q, string op)
    {
        if (!q.DType.IsBlockFormat())
            throw new ArgumentException($"{op}: expected a q8_0 or q4_0 tensor, got {q.DType.Name()} of shape {q.Shape}");
    }

    /// <summary>A quantised table [vocab, dim] and i32/i64 ids.</summary>
    public static void EmbeddingQuantized(QuantizedWeight table, Tensor ids)
    {
        if (table.Int8 is { } int8) Int8Tensor(int8, "embedding_quantized");
        else BlockTensor(table.Blocks!, "embedding_quantized");
        if (table.Shape.Rank != 2)
            throw new ArgumentException($"embedding_quantized: the table must be [vocab, dim] (rank 2), got shape {table.Shape}");
        Index(ids, "embedding_quantized's ids");
    }

    /// <summary>x [..., K], weight [N, K], bias [N]; returns (rows of x, N, K).</summary>
    public static (int Rows, int N, int K) MatMulQuantized(Tensor x, QuantizedWeight weight, Tensor? bias)
    {
        F32(x, "matmul_quantized's input");
        if (weight.Int8 is { } int8) Int8Tensor(int8, "matmul_quantized");
        else BlockTensor(weight.Blocks!, "matmul_quantized");
        return LinearShapes("matmul_quantized", x, weight.Shape, bias);
    }

    /// <summary>x [..., K] f32, weight a Q8_0/Q4_0 [N, K], bias [N]; returns (rows of x, N, K).</summary>
    public static (int Rows, int N, int K) MatMulIntegerDot(Tensor x, Tensor weight, Tensor? bias)
    {
        F32(x, "matmul_integer_dot's input");
        BlockTensor(weight, "matmul_integer_dot");
        return LinearShapes("matmul_integer_dot", x, weight.Shape, bias);
    }

    /// <summary>x [..., K] f32 times an interleaved weight [N, K], bias [N]; returns (rows of x, N, K).</summary>
    public static (int Rows, int N, int K) MatMulInterleaved(Tensor x, InterleavedWeight weight, Tensor? bias)
    {
        F32(x, "matmul_interleaved's input");
        return LinearShapes("matmul_interleaved", x, weight.Shape, bias);
    }

    private static (int Rows, int N, int K) LinearShapes(string op, Tensor x, Shape w, Tensor? bias)
    {
        if (w.Rank != 2)
            throw new ArgumentException($"{op}: the weight must be [N, K] (rank 2, a linear layer's [out, in]), got shape {w}");
        if (x.Rank == 0 || x.Shape.Last != w[1])
            throw new ArgumentException(
                $"{op}: inner dimensions differ: x {x.Shape} and weight {w} (x's last dimension must equal the weight's K = {w[1]})");
        if (bias is not null)
        {
            F32(bias, $"{op}'s bias");
            if (bias.Rank != 1 || bias.Shape[0] != w[0])
                throw new ArgumentException($"{op}: bias must be [N] = [{w[0]}] for weight {w}, got shape {bias.Shape}");
        }
        return ((int)x.Shape.Rows, w[0], w[1]);
    }

    /// <summary>[..., K] -> [..., N].</summary>
    public static Shape WithLast(Shape shape, int last) => shape.With(-1, last);
}
