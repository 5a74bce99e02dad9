using System.Runtime.InteropServices;
using ILGPU;
using ILGPU.Runtime;
using LlmLab.Backends.Ilgpu.Kernels;
using LlmLab.Tensors;

namespace LlmLab.Backends.Ilgpu;

public sealed partial class IlgpuBackend
{
    // Per-tensor reductions: at most this many segments (groups) before one group folds them.
    private const int MaxSegments = 1024;

    public Int8Tensor QuantizeInt8(Tensor x, Int8Scheme scheme)
    {
        Check.QuantizeInt8(x, scheme);
        Check.SameBackend(this, x);
        int rows = (int)x.Shape.Rows, cols = x.Shape.Last, total = (int)x.ElementCount;
        bool perRow = scheme == Int8Scheme.AbsmaxPerRow, zeroPoint = scheme == Int8Scheme.ZeroPointPerTensor;
        var values = Output(x.Shape, DType.I8);
        var scales = Output(new Shape(perRow ? rows : 1));
        var zeroPoints = zeroPoint ? Output(new Shape(1), DType.I32) : null;
        var zeroPointView = zeroPoints is null ? View<float>(scales).Cast<int>() : View<int>(zeroPoints); // unused unless zero point
        if (total == 0)
        {
            // No values: every scale is 1 (as for all-zero rows), the zero point puts 0 at -128.
            Write(scales.Storage, 0, MemoryMarshal.AsBytes(Enumerable.Repeat(1f, (int)scales.ElementCount).ToArray().AsSpan()));
            if (zeroPoints is not null) Write(zeroPoints.Storage, 0, BitConverter.GetBytes(-128));
            return Result();
        }

        if (perRow)
        {
            var rowKernel = Kernel("quant.absmax_rows", acc => acc.LoadStreamKernel<ArrayView<float>, int, int, int, ArrayView<float>, ArrayView<sbyte>>(QuantInt8Kernels.AbsmaxRows));
            int groups = (rows + QuantInt8Kernels.RowsPerGroup - 1) / QuantInt8Kernels.RowsPerGroup;
            // Float4 loads and packed stores when every row starts 16 bytes into x (the values are a fresh buffer).
            int vector = cols % 4 == 0 && DeviceAddress(View<float>(x)) % 16 == 0 ? 1 : 0;
            rowKernel(new KernelConfig(groups, QuantInt8Kernels.GroupSize), View<float>(x), rows, cols, vector, View<float>(scales), View<sbyte>(values));
            return Result();
        }

        int segments = Math.Min(MaxSegments, (total + 4095) / 4096);
        int segmentLength = (total + segments - 1) / segments;
        // max|x|, min key, max key per segment; a pooled buffer is reused only by later work on this stream.
        using var partialTensor = Output(new Shape(3 * segments), DType.I32);
        var partials = View<int>(partialTensor).Cast<uint>();
        var absMax = partials.SubView(0, segments);
        var minKey = partials.SubView(segments, segments);
        var maxKey = partials.SubView(2 * segments, segments);
        var range = Kernel("quant.segment_range", acc => acc.LoadStreamKernel<ArrayView<float>, int, int, ArrayView<uint>, ArrayView<uint>, ArrayView<uint>>(QuantInt8Kernels.SegmentRange));
        range(new KernelConfig(segments, QuantInt8Kernels.GroupSize), View<float>(x), total, segmentLength, absMax, minKey, maxKey);
        var parameters = Kernel("quant.tensor_parameters", acc => acc.LoadStreamKernel<ArrayView<uint>, ArrayView<uint>, ArrayView<uint>, int, int, ArrayView<float>, ArrayView<int>>(QuantInt8Kernels.TensorParameters));
        parameters(new KernelConfig(1, QuantInt8Kernels.GroupSize), absMax, minKey, maxKey, segments, zeroPoint ? 1 : 0, View<float>(scales), zeroPointView);
        var quantize = Kernel("quant.int8", acc => acc.LoadStreamKernel<ArrayView<float>, int, int, ArrayView<float>, ArrayView<int>, ArrayView<sbyte>>(QuantInt8Kernels.Quantize));
        quantize(Groups(total), View<float>(x), total, zeroPoint ? 1 : 0, View<float>(scales), zeroPointView, View<sbyte>(values));
        return Result();

        Int8Tensor Result() => new(values, scales, zeroPoints, scheme);
    }

    public Tensor Dequantize(Int8Tensor q)
    {
        Check.Int8Tensor(q, "dequantize");
        Check.SameBackend(this, q.Values, q.Scales, q.ZeroPoints);
        var y = Output(q.Shape);
        int total = (int)q.Values.ElementCount;
        if (total == 0) return y;
        bool zeroPoint = q.Scheme == Int8Scheme.ZeroPointPerTensor;
        var kernel = Kernel("quant.int8_dequantize", acc => acc.LoadStreamKernel<ArrayView<sbyte>, int, int, int, int, ArrayView<float>, ArrayView<int>, ArrayView<float>>(QuantInt8Kernels.Dequantize));
        kernel(Groups(total), View<sbyte>(q.Values), total, Math.Max(q.Shape.Last, 1), q.Scheme == Int8Scheme.AbsmaxPerRow ? 1 : 0,
            zeroPoint ? 1 : 0, View<float>(q.Scales), zeroPoint ? View<int>(q.ZeroPoints!) : View<float>(q.Scales).Cast<int>(), View<float>(y));
        return y;
    }

    public Tensor QuantizeBlocks(Tensor x, DType format)
    {
        Check.QuantizeBlocks(x, format);
        Check.SameBackend(this, x);
        var q = Output(x.Shape, format);
        int blocks = (int)(x.ElementCount / 32);
        if (blocks == 0) return q;
        var kernel = format == DType.Q8_0
            ? Kernel("quant.q8_0", acc => acc.LoadStreamKernel<ArrayView<float>, int, ArrayView<byte>>(QuantBlockKernels.QuantizeQ8_0))
            : Kernel("quant.q4_0", acc => acc.LoadStreamKernel<ArrayView<float>, int, ArrayView<byte>>(QuantBlockKernels.QuantizeQ4_0));
        int groups = (blocks + QuantBlockKernels.BlocksPerGroup - 1) / QuantBlockKernels.BlocksPerGroup;
        kernel(new KernelConfig(groups, QuantBlockKernels.GroupSize), View<float>(x), blocks, Bytes(q));
        return q;
    }

    public Tensor DequantizeBlocks(Tensor q)
    {
        Check.BlockTensor(q, "dequantize_blocks");
        Check.SameBackend(this, q);
        var y = Output(q.Shape);
        int total = (int)q.ElementCount;
        if (total == 0) return y;
        var kernel = Kernel("quant.blocks_dequantize", acc => acc.LoadStreamKernel<ArrayView<byte>, int, int, ArrayView<float>>(QuantBlockKernels.Dequantize));
        kernel(Groups(total), Bytes(q), total, q.DType == DType.Q4_0 ? 1 : 0, View<float>(y));
        return y;
    }

    public Tensor EmbeddingQuantized(QuantizedWeight table, Tensor ids)
    {
        var values = table.Int8?.Values ?? table.Blocks!;
        var scales = table.Int8?.Scales;
        Check.SameBackend(this, values, scales, ids);
        Check.EmbeddingQuantized(table, ids);
        if (ids.DType == DType.I32) Check.IdsInRange<int>(ids.ToArray<int>(), ids.Shape, table.Shape);
        else Check.IdsInRange<long>(ids.ToArray<long>(), ids.Shape, table.Shape);
        int dim = table.Shape[1];
        var y = Output(new Shape([.. ids.Shape.ToArray(), dim]));
        if (y.ElementCount == 0) return y;
        var kernel = Kernel("embedding.quantized", acc => acc.LoadStreamKernel<ArrayView<byte>, int, int, ArrayView<float>, int, ArrayView<int>, int, int, ArrayView<float>>(EmbeddingKernel.GatherQuantized));
        var yv = View<float>(y);
        kernel(new KernelConfig(Count(ids.ElementCount, "embedding's ids"), Math.Min(256, (dim + 31) / 32 * 32)),
            Bytes(values), Format(values), (int)values.DType.ByteCount(dim), scales is null ? yv : View<float>(scales),
            scales is { ElementCount: > 1 } ? 1 : 0, Bytes(ids).Cast<int>(), ids.DType == DType.I64 ? 2 : 1, dim, yv);
        return y;
    }

    public Tensor MatMulQuantized(Tensor x, QuantizedWeight weight, Tensor? bias = null)
    {
        var (rows, n, k) = Check.MatMulQuantized(x, weight, bias);
        var w = weight.Int8?.Values ?? weight.Blocks!;
        var scales = weight.Int8?.Scales;
        Check.SameBackend(this, x, w, scales, bias);
        var y = Output(Check.WithLast(x.Shape, n));
        if (rows == 0 || n == 0) return y;
        int format = Format(w);
        int scaleMode = ScaleMode(weight);
        var xv = View<float>(x);
        var sv = scales is null ? xv : View<float>(scales);
        var bv = bias is null ? xv : View<float>(bias);
        int rowBytes = (int)(w.ByteLength / n);
        if (rows <= QuantizedMatVecRows)
        {
            var kernel = Kernel("quant.matvec", acc => acc.LoadStreamKernel<ArrayView<float>, int, int, ArrayView<byte>, int, int, ArrayView<float>, int, ArrayView<float>, int, ArrayView<float>, int>(QuantMatMulKernels.MatVec));
            int groups = (n + QuantMatMulKernels.RowsPerGroup - 1) / QuantMatMulKernels.RowsPerGroup;
            kernel(new KernelConfig(groups, QuantMatMulKernels.GroupSize), xv, rows, k, Bytes(w), format, rowBytes, sv, scaleMode, bv, bias is null ? 0 : 1, View<float>(y), n);
        }
        else
        {
            // Prefill: the f32 matmul's tile kernels (and split-K), with W^T dequantised as its slices are staged.
            LaunchMatMul(1, QuantizedPrefillArgs(rows, n, k, weight, bias is not null), xv, xv, xv, xv, bv, View<float>(y), QuantizedOperand(weight, xv));
        }
        return y;
    }

    /// <summary>Decode rows: the integer-dot kernel is a matvec; prefill keeps the f32 tile kernels.</summary>
    public int IntegerDotRows => QuantizedMatVecRows;

    public Tensor MatMulIntegerDot(Tensor x, Tensor weight, Tensor? bias = null)
    {
        var (rows, n, k) = Check.MatMulIntegerDot(x, weight, bias);
        Check.SameBackend(this, x, weight, bias);
        var y = Output(Check.WithLast(x.Shape, n));
        if (rows == 0 || n == 0) return y;
        // x's rows as Q8_0 blocks (the bits QuantizeBlocks gives), then the integer dots.
        using var xq = QuantizeBlocks(x, DType.Q8_0);
        var xv = View<float>(x);
        var kernel = Kernel("quant.integer_dot", acc => acc.LoadStreamKernel<ArrayView<byte>, int, int, ArrayView<byte>, int, ArrayView<float>, int, ArrayView<float>, int>(IntegerDotKernel.Run));
        int groups = (n + IntegerDotKernel.RowsPerGroup - 1) / IntegerDotKernel.RowsPerGroup;
        kernel(new KernelConfig(groups, IntegerDotKernel.GroupSize), Bytes(xq), rows, k / 32, Bytes(weight), weight.DType == DType.Q4_0 ? 1 : 0,
            bias is null ? xv : View<float>(bias), bias is null ? 0 : 1, View<float>(y), n);
        return y;
    }

    /// <summary>Up to this many rows, a product with a quantised weight takes the matvec kernel (decoding).</summary>
    private const int QuantizedMatVecRows = 4;

    private static int Format(Tensor w) => w.DType switch { DType.Q8_0 => MatMulWeights.Q8_0, DType.Q4_0 => MatMulWeights.Q4_0, _ => MatMulWeights.Int8 };

    private static int ScaleMode(QuantizedWeight weight) =>
        weight.Int8?.Scales is not { } scales ? 0 : scales.ElementCount == 1 && weight.Int8.Scheme == Int8Scheme.AbsmaxPerTensor ? 1 : 2;

    /// <summary>x [rows, k] times W^T for a quantised W [n, k] on the tile kernels (segment 1 only).</summary>
    private static MatMulArgs QuantizedPrefillArgs(int rows, int n, int k, QuantizedWeight weight, bool hasBias)
    {
        var w = weight.Int8?.Values ?? weight.Blocks!;
        return new MatMulArgs
        {
            M = rows, N = n, K1 = k, A1Row = k, A1K = 1, A1Batch = (long)rows * k, B1K = 1, B1Col = k, Scale1 = 1f,
            CBatch = (long)rows * n, HasBias = hasBias ? 1 : 0, WeightRowBytes = (int)(w.ByteLength / n), ScaleMode = ScaleMode(weight),
        };
    }

    /// <summary>The weight as the tile kernels' B; <paramref name="unused"/> stands in for absent int8 scales.</summary>
    private QuantizedB QuantizedOperand(QuantizedWeight weight, ArrayView<float> unused)
    {
        var w = weight.Int8?.Values ?? weight.Blocks!;
        return new QuantizedB(Format(w), Bytes(w), weight.Int8?.Scales is { } scales ? View<float>(scales) : unused);
    }

    /// <summary>One thread per item in groups of 256.</summary>
    private static KernelConfig Groups(int items) => new((items + 255) / 256, 256);
}
