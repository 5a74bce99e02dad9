using LlmLab.Backends;
using LlmLab.Backends.Ilgpu;
using LlmLab.Backends.Ilgpu.Kernels;
using LlmLab.Numerics;
using LlmLab.Tensors;
using LlmLab.Tests.Infrastructure;
using LlmLab.Tests.References;
using Xunit.Sdk;

namespace LlmLab.Tests.Kernels;

/// <summary>
/// Quantisation against <see cref="QuantizationReference"/>. Tolerances: the formats themselves (int8 values and
/// scales, zero points, Q8_0/Q4_0 bytes) exactly, on every backend and between backends; dequantised blocks exactly
/// (q * fp16(d) is one float multiply); int8 dequantisation 1 ulp (q / scale); round trips within the format's
/// step: absmax |x - q/s| &lt;= max|x|/254, zero point &lt;= 0.5/scale, Q8_0 &lt;= d/2 + 127 |d - fp16(d)|, Q4_0 &lt;= |d|/2
/// (|d| where the nibble clamps at 15) + 8 |d - fp16(d)| (all x (1 + 1e-5)); MatMulQuantized against a float64
/// matmul of the dequantised weight within 1e-5 x sum_k |x w| + 1e-6 per output.
/// </summary>
[Collection("backends")]
public class QuantizationTests
{
    public static TheoryData<string> Backends => TestBackends.All;

    // ILGPU's CPU simulator pays for every group and every barrier or shuffle: it gets the smaller shapes, which
    // still cover partial groups, tiles and warps.
    private static int[][] Shapes(string backendName) => backendName == "ilgpu-cpu"
        ? [[1, 32], [3, 96], [2, 3, 64], [1, 1024]]
        : [[1, 32], [3, 96], [17, 1024], [2, 3, 64]];

    // ---- the docs/references.md vectors and hand-derived ones ---------------------------------------------------

    [Theory, MemberData(nameof(Backends))]
    public void Absmax_int8_gives_the_references_vector(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        using var x = Tensor.From(backend, [1.2f, -0.5f, -4.3f, 1.2f, -3.1f, 0.8f, 2.4f, 5.4f], 8);
        foreach (var scheme in new[] { Int8Scheme.AbsmaxPerTensor, Int8Scheme.AbsmaxPerRow })
        {
            using var q = backend.QuantizeInt8(x, scheme);
            Assert.Equal(new sbyte[] { 28, -12, -101, 28, -73, 19, 56, 127 }, q.Values.ToArray<sbyte>());
            Assert.Equal(new[] { 127f / 5.4f }, q.Scales.ToArray<float>());
            Assert.Null(q.ZeroPoints);
        }
    }

    [Theory, MemberData(nameof(Backends))]
    public void Q4_0_gives_the_references_vector(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        var x = Enumerable.Range(0, 32).Select(j => (j - 16) / 4f).ToArray();
        using var t = Tensor.From(backend, x, 1, 32);
        using var q = backend.QuantizeBlocks(t, DType.Q4_0);
        byte[] expected =
        [
            0x00, 0x38, // d = 0.5 as fp16, little-endian
            0x80, 0x91, 0x91, 0xa2, 0xa2, 0xb3, 0xb3, 0xc4, 0xc4, 0xd5, 0xd5, 0xe6, 0xe6, 0xf7, 0xf7, 0xf8,
        ];
        Assert.Equal(DType.Q4_0, q.DType);
        Assert.Equal(t.Shape, q.Shape);
        Assert.Equal(expected, q.ToBytes());
    }

    /// <summary>
    /// Derived by hand: the block's amax is 127, so d = 127 / 127 = 1 (fp16 0x3C00), id = 1 and q = roundf(x) with
    /// halves away from zero (0.5 -> 1, -2.5 -> -3, 100.5 -> 101, where round-half-even would give 0, -2, 100).
    /// </summary>
    [Theory, MemberData(nameof(Backends))]
    public void Q8_0_gives_a_hand_derived_vector(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        float[] x = [127f, -127f, 0.5f, -0.5f, 1.5f, -1.5f, 2.5f, -2.5f, 100.5f, -100.5f, 0.49f, -0.49f, 3f, -3f, 0f, 126.6f,
            0f, 1f, 2f, 3f, 4f, 5f, 6f, 7f, 8f, 9f, 10f, 11f, 12f, 13f, 14f, 15f];
        sbyte[] q = [127, -127, 1, -1, 2, -2, 3, -3, 101, -101, 0, 0, 3, -3, 0, 127, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15];
        byte[] expected = [0x00, 0x3C, .. q.Select(v => (byte)v)];
        using var t = Tensor.From(backend, x, 32);
        using var blocks = backend.QuantizeBlocks(t, DType.Q8_0);
        Assert.Equal(expected, blocks.ToBytes());
        using var back = backend.DequantizeBlocks(blocks);
        Assert.Equal(q.Select(v => (float)v).ToArray(), back.ToArray<float>());
    }

    // ---- exact formats on random and awkward inputs ---------------------------------------------------------

    [Theory, MemberData(nameof(Backends))]
    public void Absmax_int8_matches_the_scalar_reference_exactly_and_round_trips(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        foreach (var shape in Shapes(backendName).Append(backendName == "ilgpu-cpu" ? [17, 40] : [17, 1000]).Append([1, 1]))
        {
            int cols = shape[^1], rows = shape.Aggregate(1, (a, b) => a * b) / cols;
            var x = Awkward(rows * cols, seed: rows * 31 + cols, rows);
            using var t = Tensor.From(backend, x, shape);
            using var perRow = backend.QuantizeInt8(t, Int8Scheme.AbsmaxPerRow);
            using var perTensor = backend.QuantizeInt8(t, Int8Scheme.AbsmaxPerTensor);
            Assert.Equal(t.Shape, perRow.Values.Shape);
            Assert.Equal(new Shape(rows), perRow.Scales.Shape);
            Assert.Equal(new Shape(1), perTensor.Scales.Shape);

            var rowValues = perRow.Values.ToArray<sbyte>();
            var rowScales = perRow.Scales.ToArray<float>();
            for (int r = 0; r < rows; r++)
            {
                var row = x.AsSpan(r * cols, cols);
                float scale = QuantizationReference.AbsmaxScale(row);
                Assert.Equal(scale, rowScales[r]);
                AssertBytes(QuantizationReference.AbsmaxValues(row, scale), rowValues.AsSpan(r * cols, cols), $"per-row values, row {r} of {string.Join('x', shape)}");
            }
            float tensorScale = QuantizationReference.AbsmaxScale(x);
            Assert.Equal(tensorScale, perTensor.Scales.ToArray<float>()[0]);
            AssertBytes(QuantizationReference.AbsmaxValues(x, tensorScale), perTensor.Values.ToArray<sbyte>(), "per-tensor values");

            // Round trip: q / scale lands within half a step, max|x| / 254.
            var back = backend.Dequantize(perRow).ToArray<float>();
            for (int r = 0; r < rows; r++)
            {
                float max = x.AsSpan(r * cols, cols).ToArray().Max(Math.Abs);
                for (int c = 0; c < cols; c++)
                {
                    int i = r * cols + c;
                    Assert.Equal(rowValues[i] / (double)rowScales[r], back[i], Math.Abs(back[i]) * 1.2e-7);
                    if (Math.Abs(back[i] - x[i]) > max / 254 * (1 + 1e-5))
                        throw new XunitException($"absmax round trip at {i}: {x[i]} -> {back[i]}, more than max/254 = {max / 254}");
                }
            }
            var backTensor = backend.Dequantize(perTensor).ToArray<float>();
            float maxAll = x.Max(Math.Abs);
            for (int i = 0; i < x.Length; i++)
                if (Math.Abs(backTensor[i] - x[i]) > maxAll / 254 * (1 + 1e-5))
                    throw new XunitException($"per-tensor round trip at {i}: {x[i]} -> {backTensor[i]}");
        }
    }

    [Theory, MemberData(nameof(Backends))]
    public void Absmax_int8_gives_an_all_zero_row_scale_one(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        using var x = Tensor.From(backend, [0f, 0f, 0f, 1f, -2f, 0.5f], 2, 3);
        using var q = backend.QuantizeInt8(x, Int8Scheme.AbsmaxPerRow);
        Assert.Equal(new[] { 1f, 63.5f }, q.Scales.ToArray<float>());
        Assert.Equal(new sbyte[] { 0, 0, 0, 64, -127, 32 }, q.Values.ToArray<sbyte>()); // 63.5 rounds away to 64
    }

    [Theory, MemberData(nameof(Backends))]
    public void Absmax_int8_rows_at_an_unaligned_offset_give_the_cpu_bits(string backendName)
    {
        // Rows of 280 floats (Float4 loads on a GPU, two a trip plus a tail) read once from the start of a buffer and
        // once from a view one float in (no 16-byte alignment: the scalar path); both must equal the cpu backend.
        var backend = TestBackends.Get(backendName);
        var cpu = TestBackends.Get("cpu");
        const int rows = 5, cols = 280;
        var x = Awkward(rows * cols + 1, seed: 77, rows);
        using var buffer = Tensor.From(backend, x, rows * cols + 1);
        using var aligned = buffer.Slice(0, rows * cols).Reshape(rows, cols);
        using var offset = buffer.Slice(1, rows * cols).Reshape(rows, cols);
        foreach (var (view, start) in new[] { (aligned, 0), (offset, 1) })
        {
            using var onCpu = Tensor.From(cpu, x.AsSpan(start, rows * cols).ToArray(), rows, cols);
            using var expected = cpu.QuantizeInt8(onCpu, Int8Scheme.AbsmaxPerRow);
            using var q = backend.QuantizeInt8(view, Int8Scheme.AbsmaxPerRow);
            Assert.Equal(expected.Values.ToArray<sbyte>(), q.Values.ToArray<sbyte>());
            Assert.Equal(expected.Scales.ToArray<float>(), q.Scales.ToArray<float>());
        }
    }

    [Theory, MemberData(nameof(Backends))]
    public void Zero_point_int8_matches_the_scalar_reference_exactly_and_round_trips(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        float[][] inputs =
        [
            TestData.Uniform(1, 17 * 96, 3),
            TestData.Uniform(2, 1000, 1).Select(v => v + 7f).ToArray(), // all positive: zp far below -128
            [1.2f, -0.5f, -4.3f, 1.2f, -3.1f, 0.8f, 2.4f, 5.4f],
            [2.5f, 2.5f, 2.5f], // max == min: scale 1
            Awkward(3 * 64, seed: 5, rows: 3),
        ];
        foreach (var x in inputs)
        {
            using var t = Tensor.From(backend, x, x.Length);
            using var q = backend.QuantizeInt8(t, Int8Scheme.ZeroPointPerTensor);
            var (scale, zeroPoint, values) = QuantizationReference.ZeroPoint(x);
            Assert.Equal(scale, q.Scales.ToArray<float>()[0]);
            Assert.Equal(new[] { zeroPoint }, q.ZeroPoints!.ToArray<int>());
            AssertBytes(values, q.Values.ToArray<sbyte>(), $"zero-point values of {x.Length}");
            var back = backend.Dequantize(q).ToArray<float>();
            for (int i = 0; i < x.Length; i++)
            {
                Assert.Equal((values[i] - zeroPoint) / (double)scale, back[i], Math.Abs(back[i]) * 1.2e-7);
                double bound = x.Max() == x.Min() ? 0.5 : 0.5 / scale * (1 + 1e-5) + Math.Abs(x[i]) * 1e-6;
                if (Math.Abs(back[i] - x[i]) > bound)
                    throw new XunitException($"zero-point round trip at {i}: {x[i]} -> {back[i]}, bound {bound}");
            }
        }
    }

    [Theory, MemberData(nameof(Backends))]
    public void Blocks_match_ggmls_reference_bit_for_bit_and_round_trip(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        foreach (var shape in Shapes(backendName))
        {
            int count = shape.Aggregate(1, (a, b) => a * b);
            var x = Awkward(count, seed: count, rows: count / 32);
            using var t = Tensor.From(backend, x, shape);
            foreach (var format in new[] { DType.Q8_0, DType.Q4_0 })
            {
                bool q4 = format == DType.Q4_0;
                using var q = backend.QuantizeBlocks(t, format);
                Assert.Equal(format, q.DType);
                Assert.Equal(t.Shape, q.Shape);
                var bytes = q.ToBytes();
                AssertBytes(q4 ? QuantizationReference.Q4_0(x) : QuantizationReference.Q8_0(x), bytes, $"{format} of {string.Join('x', shape)}");

                var back = backend.DequantizeBlocks(q).ToArray<float>();
                AssertClose.BitIdentical(QuantizationReference.DequantizeBlocks(bytes, q4), back, $"dequantised {format}");
                for (int i = 0; i < count; i++)
                {
                    int block = i / 32;
                    var values = x.AsSpan(block * 32, 32).ToArray();
                    float dh = QuantizationReference.BlockScale(bytes, block, q4 ? 18 : 34);
                    double bound;
                    if (q4)
                    {
                        float max = values.First(v => Math.Abs(v) == values.Max(Math.Abs));
                        double d = Math.Abs(max / -8f);
                        bool clamped = QuantizationReference.Nibble(bytes, block, i % 32) == 7 && x[i] * (-8.0 / max) > 7.5;
                        bound = (clamped ? d : d / 2) * (1 + 1e-5) + 8 * Math.Abs(d - Math.Abs(dh));
                    }
                    else
                    {
                        double d = values.Max(Math.Abs) / 127f;
                        bound = d / 2 * (1 + 1e-5) + 127 * Math.Abs(d - dh);
                    }
                    if (Math.Abs(back[i] - x[i]) > bound)
                        throw new XunitException($"{format} round trip at {i}: {x[i]} -> {back[i]}, bound {bound}");
                }
            }
        }
    }

    [Theory, MemberData(nameof(Backends))]
    public void Blocks_handle_zero_tied_tiny_and_huge_blocks_as_ggml_does(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        var x = new float[7 * 32];
        // block 0: all zero (Q4_0 keeps max = +0, so d = -0: fp16 0x8000). block 1: |3| tied, -3 first.
        for (int j = 0; j < 32; j++) x[32 + j] = j % 2 == 0 ? -3f : 3f * (j % 5) / 5;
        x[32 + 7] = 3f;
        // block 2: tiny values (fp16(d) subnormal); block 3: fp16(d) underflows to zero; block 4: d overflows fp16.
        for (int j = 0; j < 32; j++)
        {
            x[64 + j] = (j - 15) * 1e-6f;
            x[96 + j] = (j - 15) * 1e-9f;
            x[128 + j] = (j - 15) * 1e6f;
            x[160 + j] = j == 9 ? float.Epsilon * 3 : -float.Epsilon * j; // float subnormals
            x[192 + j] = (j - 15) * 1e-39f; // block 6: d is not 0 but 1 / d overflows: ggml's x86 build writes zero quants
        }
        using var t = Tensor.From(backend, x, 7, 32);
        using var q8 = backend.QuantizeBlocks(t, DType.Q8_0);
        using var q4 = backend.QuantizeBlocks(t, DType.Q4_0);
        AssertBytes(QuantizationReference.Q8_0(x), q8.ToBytes(), "q8_0");
        var q4Bytes = q4.ToBytes();
        AssertBytes(QuantizationReference.Q4_0(x), q4Bytes, "q4_0");
        Assert.Equal(new byte[] { 0x00, 0x80 }, q4Bytes[..2]);
        Assert.Equal(Fp16.FromSingle(-3f / -8f), (ushort)(q4Bytes[18] | q4Bytes[19] << 8));
        Assert.True(float.IsInfinity(1f / (16e-39f / 127)) && float.IsInfinity(1f / (16e-39f / -8)), "block 6 should overflow 1 / d");
        Assert.All(q8.ToBytes()[(6 * 34 + 2)..], b => Assert.Equal(0, b));   // the quants; fp16(d) is +0 here
        Assert.All(q4Bytes[(6 * 18 + 2)..], b => Assert.Equal(0, b));        // and -0 here (0x8000)
    }

    [Fact]
    public void Cpu_and_ilgpu_give_identical_bytes_and_scales()
    {
        var cpu = TestBackends.Get("cpu");
        var gpu = TestBackends.Get("ilgpu-cpu");
        var x = Awkward(8 * 128, seed: 99, rows: 8);
        using var a = Tensor.From(cpu, x, 8, 128);
        using var b = Tensor.From(gpu, x, 8, 128);
        foreach (var format in new[] { DType.Q8_0, DType.Q4_0 })
        {
            using var qa = cpu.QuantizeBlocks(a, format);
            using var qb = gpu.QuantizeBlocks(b, format);
            AssertBytes(qa.ToBytes(), qb.ToBytes(), $"{format} cpu vs ilgpu");
        }
        foreach (var scheme in Enum.GetValues<Int8Scheme>())
        {
            using var qa = cpu.QuantizeInt8(a, scheme);
            using var qb = gpu.QuantizeInt8(b, scheme);
            AssertBytes(qa.Values.ToArray<sbyte>(), qb.Values.ToArray<sbyte>(), $"{scheme} cpu vs ilgpu");
            AssertClose.BitIdentical(qa.Scales.ToArray<float>(), qb.Scales.ToArray<float>(), $"{scheme} scales");
            Assert.Equal(qa.ZeroPoints?.ToArray<int>(), qb.ZeroPoints?.ToArray<int>());
        }
    }

    // ---- matmul ---------------------------------------------------------------------------------------------

    public enum WeightKind { Int8PerRow, Int8PerTensor, Q8_0, Q4_0 }

    [Theory, MemberData(nameof(Backends))]
    public void MatMulQuantized_matches_float64_of_the_dequantised_weight(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        var cases = new List<(int M, int N, int K)>();
        if (backendName == "ilgpu-cpu")
            // Both kernels (matvec up to 4 rows, tiled above), partial warps, groups and tiles, K from 32 to 1024.
            cases.AddRange([(1, 3, 32), (3, 17, 96), (17, 3, 96), (64, 17, 32), (5, 100, 32), (2, 9, 1024)]);
        else
        {
            foreach (int m in new[] { 1, 3, 17, 64 })
                foreach (int n in new[] { 1, 3, 17, 100 })
                    foreach (int k in new[] { 32, 96, 1024 })
                        cases.Add((m, n, k));
        }
        foreach (var (m, n, k) in cases)
            foreach (var kind in Enum.GetValues<WeightKind>())
                CheckMatMul(backend, kind, m, n, k, withBias: (m + n + (int)kind) % 2 == 0, leading: m == 64 ? [4, 16] : [m]);
    }

    [Theory, MemberData(nameof(Backends))]
    public void MatMulQuantized_takes_int8_rows_whose_length_is_not_a_multiple_of_32(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        foreach (var (m, n, k) in new[] { (1, 5, 1), (3, 17, 33), (17, 3, 70) })
        {
            CheckMatMul(backend, WeightKind.Int8PerRow, m, n, k, withBias: true, leading: [m]);
            CheckMatMul(backend, WeightKind.Int8PerTensor, m, n, k, withBias: false, leading: [m]);
        }
    }

    public static TheoryData<string, int> TileKernelsAndSplits => new()
    {
        { "tile128", 1 }, { "tile128", 3 }, { "tile128k8", 1 }, { "tile128x64", 2 }, { "tile64", 1 }, { "tile64", 4 },
    };

    /// <summary>Prefill over a quantised weight runs on the f32 tile kernels (B dequantised as it is staged), with split-K.</summary>
    [Theory, MemberData(nameof(TileKernelsAndSplits))]
    public void MatMulQuantized_prefill_runs_on_every_tile_kernel_and_split(string kernel, int splits)
    {
        var backend = TestBackends.Get("ilgpu-cpu");
        using var _ = IlgpuBackend.ForceMatMulKernel(IlgpuBackend.ParseMatMulKernel(kernel));
        using var __ = IlgpuBackend.ForceMatMulSplits(splits);
        // 33 rows and 70 outputs cut the tiles; K = 96 is three blocks and six 16-deep steps; int8 rows of 70 take
        // the byte loads, of 96 the 4-byte ones.
        foreach (var kind in Enum.GetValues<WeightKind>())
            CheckMatMul(backend, kind, 33, 70, 96, withBias: kind is WeightKind.Int8PerRow or WeightKind.Q4_0, leading: [33]);
        CheckMatMul(backend, WeightKind.Int8PerRow, 9, 5, 70, withBias: true, leading: [9]);
    }

    /// <summary>
    /// The weight is quantised on the cpu backend and its bytes moved over (they are identical on every backend,
    /// tested above): the simulator's time goes to the matmul itself.
    /// </summary>
    private static void CheckMatMul(IBackend backend, WeightKind kind, int m, int n, int k, bool withBias, int[] leading)
    {
        var cpu = TestBackends.Get("cpu");
        var x = TestData.Normal(m * 7 + n, m * k);
        var w = TestData.Normal(n * 13 + k, n * k, 0.5f);
        var bias = withBias ? TestData.Uniform(n + 3, n) : null;
        using var tx = Tensor.From(backend, x, [.. leading, k]);
        using var tw = Tensor.From(cpu, w, n, k);
        using var tb = bias is null ? null : Tensor.From(backend, bias, n);
        double[] dequantised;
        Tensor y;
        if (kind is WeightKind.Q8_0 or WeightKind.Q4_0)
        {
            using var onCpu = cpu.QuantizeBlocks(tw, kind == WeightKind.Q8_0 ? DType.Q8_0 : DType.Q4_0);
            using var q = onCpu.To(backend);
            dequantised = TestData.ToDouble(QuantizationReference.DequantizeBlocks(q.ToBytes(), kind == WeightKind.Q4_0));
            y = backend.MatMulQuantized(tx, q, tb);
        }
        else
        {
            var scheme = kind == WeightKind.Int8PerRow ? Int8Scheme.AbsmaxPerRow : Int8Scheme.AbsmaxPerTensor;
            using var onCpu = cpu.QuantizeInt8(tw, scheme);
            using var q = new Int8Tensor(onCpu.Values.To(backend), onCpu.Scales.To(backend), null, scheme);
            var values = q.Values.ToArray<sbyte>();
            var scales = q.Scales.ToArray<float>();
            dequantised = values.Select((v, i) => v / (double)scales[scales.Length == 1 ? 0 : i / k]).ToArray();
            y = backend.MatMulQuantized(tx, q, tb);
        }
        using (y)
        {
            Assert.Equal(new Shape([.. leading, n]), y.Shape);
            var (expected, magnitude) = QuantizationReference.Linear(x, m, k, dequantised, n, bias);
            var actual = y.ToArray<float>();
            for (int i = 0; i < expected.Length; i++)
            {
                double tolerance = 1e-5 * magnitude[i] + 1e-6;
                if (!(Math.Abs(actual[i] - expected[i]) <= tolerance))
                    throw new XunitException($"{kind} M={m} N={n} K={k} bias={withBias}: y[{i / n}, {i % n}] = {actual[i]:R}, expected {expected[i]:R} (tolerance {tolerance:E2})");
            }
        }
    }

    // ---- bad calls ------------------------------------------------------------------------------------------

    [Theory, MemberData(nameof(Backends))]
    public void Blocks_refuse_a_last_dimension_that_is_not_a_multiple_of_32(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        using var x = Tensor.Zeros(backend, new Shape(3, 33));
        var e = Assert.Throws<ArgumentException>(() => backend.QuantizeBlocks(x, DType.Q4_0));
        Assert.Contains("[3, 33]", e.Message);
        Assert.Contains("multiple of 32", e.Message);
    }

    [Theory, MemberData(nameof(Backends))]
    public void Blocks_refuse_a_format_that_is_not_a_block_format(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        using var x = Tensor.Zeros(backend, new Shape(2, 32));
        var e = Assert.Throws<ArgumentException>(() => backend.QuantizeBlocks(x, DType.I8));
        Assert.Contains("i8", e.Message);
        using var f = Tensor.Zeros(backend, new Shape(2, 32));
        e = Assert.Throws<ArgumentException>(() => backend.DequantizeBlocks(f));
        Assert.Contains("f32", e.Message);
        Assert.Contains("[2, 32]", e.Message);
    }

    [Theory, MemberData(nameof(Backends))]
    public void Quantize_refuses_a_tensor_that_is_not_f32(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        using var ids = Tensor.From(backend, Enumerable.Range(0, 64).ToArray(), 2, 32);
        Assert.Contains("i32", Assert.Throws<ArgumentException>(() => backend.QuantizeInt8(ids, Int8Scheme.AbsmaxPerRow)).Message);
        Assert.Contains("i32", Assert.Throws<ArgumentException>(() => backend.QuantizeBlocks(ids, DType.Q8_0)).Message);
    }

    [Theory, MemberData(nameof(Backends))]
    public void MatMulQuantized_names_the_shapes_when_K_differs(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        using var x = Tensor.Zeros(backend, new Shape(2, 64));
        using var w = Tensor.Zeros(backend, new Shape(4, 96));
        using var q = backend.QuantizeBlocks(w, DType.Q8_0);
        var e = Assert.Throws<ArgumentException>(() => backend.MatMulQuantized(x, q));
        Assert.Contains("[2, 64]", e.Message);
        Assert.Contains("[4, 96]", e.Message);
        using var int8 = backend.QuantizeInt8(w, Int8Scheme.AbsmaxPerRow);
        e = Assert.Throws<ArgumentException>(() => backend.MatMulQuantized(x, int8));
        Assert.Contains("[2, 64]", e.Message);
    }

    [Theory, MemberData(nameof(Backends))]
    public void MatMulQuantized_refuses_a_bias_of_the_wrong_shape(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        using var x = Tensor.Zeros(backend, new Shape(2, 32));
        using var w = Tensor.Zeros(backend, new Shape(4, 32));
        using var q = backend.QuantizeBlocks(w, DType.Q4_0);
        using var bias = Tensor.Zeros(backend, new Shape(5));
        var e = Assert.Throws<ArgumentException>(() => backend.MatMulQuantized(x, q, bias));
        Assert.Contains("[5]", e.Message);
        Assert.Contains("[4, 32]", e.Message);
    }

    [Theory, MemberData(nameof(Backends))]
    public void MatMulQuantized_refuses_a_zero_point_or_plain_weight(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        using var x = Tensor.Zeros(backend, new Shape(2, 32));
        using var w = Tensor.Zeros(backend, new Shape(4, 32));
        using var zp = backend.QuantizeInt8(w, Int8Scheme.ZeroPointPerTensor);
        Assert.Contains("zero-point", Assert.Throws<ArgumentException>(() => backend.MatMulQuantized(x, zp)).Message);
        Assert.Contains("f32", Assert.Throws<ArgumentException>(() => backend.MatMulQuantized(x, w)).Message);
    }

    [Theory, MemberData(nameof(Backends))]
    public void Dequantize_refuses_scales_that_do_not_fit_the_values(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        using var values = Tensor.Zeros(backend, new Shape(3, 8), DType.I8);
        using var scales = Tensor.Zeros(backend, new Shape(2));
        var e = Assert.Throws<ArgumentException>(() => backend.Dequantize(new Int8Tensor(values, scales, null, Int8Scheme.AbsmaxPerRow)));
        Assert.Contains("[3, 8]", e.Message);
        Assert.Contains("[2]", e.Message);
    }

    // ---- determinism and the integer helpers ---------------------------------------------------------------

    [Fact]
    public void Cpu_gives_the_same_bits_on_one_and_two_threads()
    {
        var one = TestBackends.CpuWithThreads(1);
        var two = TestBackends.CpuWithThreads(2);
        var x = TestData.Normal(3, 64 * 1024);
        var w = TestData.Normal(4, 300 * 1024, 0.1f);
        var bias = TestData.Uniform(5, 300);
        using var x1 = Tensor.From(one, x, 64, 1024);
        using var x2 = Tensor.From(two, x, 64, 1024);
        using var w1 = Tensor.From(one, w, 300, 1024);
        using var w2 = Tensor.From(two, w, 300, 1024);
        using var b1 = Tensor.From(one, bias, 300);
        using var b2 = Tensor.From(two, bias, 300);
        foreach (var format in new[] { DType.Q8_0, DType.Q4_0 })
        {
            using var q1 = one.QuantizeBlocks(w1, format);
            using var q2 = two.QuantizeBlocks(w2, format);
            AssertBytes(q1.ToBytes(), q2.ToBytes(), $"{format}");
            AssertClose.BitIdentical(one.MatMulQuantized(x1, q1, b1).ToArray<float>(), two.MatMulQuantized(x2, q2, b2).ToArray<float>(), $"{format} matmul");
            AssertClose.BitIdentical(one.MatMulQuantized(x1.Slice(0, 1), q1).ToArray<float>(), two.MatMulQuantized(x2.Slice(0, 1), q2).ToArray<float>(), $"{format} matvec");
            // A row's result does not depend on the rows beside it (decode path vs prefill path).
            var alone = two.MatMulQuantized(x2.Slice(5, 1), q2, b2).ToArray<float>();
            AssertClose.BitIdentical(alone, two.MatMulQuantized(x2, q2, b2).ToArray<float>().AsSpan(5 * 300, 300).ToArray(), $"{format} row 5 alone vs in a batch");
        }
        foreach (var scheme in Enum.GetValues<Int8Scheme>())
        {
            using var q1 = one.QuantizeInt8(w1, scheme);
            using var q2 = two.QuantizeInt8(w2, scheme);
            AssertBytes(q1.Values.ToArray<sbyte>(), q2.Values.ToArray<sbyte>(), $"{scheme}");
            AssertClose.BitIdentical(one.Dequantize(q1).ToArray<float>(), two.Dequantize(q2).ToArray<float>(), $"{scheme} dequantised");
            if (scheme != Int8Scheme.ZeroPointPerTensor)
                AssertClose.BitIdentical(one.MatMulQuantized(x1, q1, b1).ToArray<float>(), two.MatMulQuantized(x2, q2, b2).ToArray<float>(), $"{scheme} matmul");
        }
    }

    [Fact]
    public void Fp16_conversion_matches_System_Half_including_ties_subnormals_and_overflow()
    {
        var floats = new List<float> { 0f, -0f, 65504f, 65519.996f, 65520f, -65520f, 1e10f, float.PositiveInfinity, float.NegativeInfinity,
            float.Epsilon, 2.98e-8f, 2.9802322e-8f, 2.9802326e-8f, 5.9604645e-8f, 6.1035156e-5f, 6.10351e-5f };
        for (int h = 0; h < 0x7C00; h++)
        {
            float value = (float)BitConverter.UInt16BitsToHalf((ushort)h);
            float next = (float)BitConverter.UInt16BitsToHalf((ushort)(h + 1));
            float mid = (float)(((double)value + next) / 2); // exact: a tie between two halves
            foreach (float f in new[] { value, mid, BitConverter.Int32BitsToSingle(BitConverter.SingleToInt32Bits(mid) + 1), BitConverter.Int32BitsToSingle(BitConverter.SingleToInt32Bits(mid) - 1) })
            {
                floats.Add(f);
                floats.Add(-f);
            }
        }
        var random = new System.Random(7);
        for (int i = 0; i < 200_000; i++) floats.Add(BitConverter.Int32BitsToSingle(random.Next(0x2F000000, 0x48000000) | (random.Next(2) << 31)));
        foreach (float f in floats)
        {
            ushort expected = BitConverter.HalfToUInt16Bits((Half)f);
            if (Fp16.FromSingle(f) != expected)
                throw new XunitException($"fp16 of {f:R} (0x{BitConverter.SingleToUInt32Bits(f):X8}): expected 0x{expected:X4}, got 0x{Fp16.FromSingle(f):X4}");
        }
        for (int h = 0; h < 0x10000; h++)
        {
            float expected = (float)BitConverter.UInt16BitsToHalf((ushort)h), actual = Fp16.ToSingle((ushort)h);
            if (float.IsNaN(expected) ? !float.IsNaN(actual) : BitConverter.SingleToUInt32Bits(expected) != BitConverter.SingleToUInt32Bits(actual))
                throw new XunitException($"half 0x{h:X4}: expected {expected:R}, got {actual:R}");
        }
    }

    [Fact]
    public void SoftFloat_matches_IEEE_arithmetic_bit_for_bit()
    {
        var random = new System.Random(11);
        uint Draw() => random.Next(8) switch
        {
            0 => (uint)random.Next(0, 0x00800000) | (uint)random.Next(2) << 31,                 // subnormal
            1 => new[] { 0u, 0x80000000u, 0x7F800000u, 0xFF800000u, 0x3F800000u, 0x00800000u, 0x7F7FFFFFu }[random.Next(7)],
            _ => (uint)random.Next(0x00800000, 0x7F800000) | (uint)random.Next(2) << 31,       // normal
        };
        for (int i = 0; i < 300_000; i++)
        {
            uint a = Draw(), b = i % 4 == 0 ? a ^ (uint)random.Next(0, 0x1000) : Draw(); // near-equal pairs cancel
            float fa = BitConverter.UInt32BitsToSingle(a), fb = BitConverter.UInt32BitsToSingle(b);
            SameBits(fa * fb, SoftFloat.Multiply(a, b), "multiply", fa, fb);
            SameBits(fa * fb, SoftFloat.MultiplyFast(a, b), "multiply (fast path)", fa, fb);
            SameBits(fa / fb, SoftFloat.Divide(a, b), "divide", fa, fb);
            SameBits(fa + fb, SoftFloat.Add(a, b), "add", fa, fb);
            SameBits(fa - fb, SoftFloat.Subtract(a, b), "subtract", fa, fb);
            float small = BitConverter.UInt32BitsToSingle((uint)random.Next(0x30000000, 0x4F000000) | (uint)random.Next(2) << 31);
            Assert.Equal((int)MathF.Round(small, MidpointRounding.AwayFromZero), SoftFloat.RoundHalfAway(SoftFloat.Bits(small)));
            Assert.Equal((int)small, SoftFloat.Truncate(SoftFloat.Bits(small)));
        }
        foreach (float tie in new[] { 0.5f, -0.5f, 1.5f, 2.5f, -2.5f, 0.49999997f, 8388607.5f })
            Assert.Equal((int)MathF.Round(tie, MidpointRounding.AwayFromZero), SoftFloat.RoundHalfAway(SoftFloat.Bits(tie)));

        static void SameBits(float expected, uint actual, string op, float a, float b)
        {
            uint e = BitConverter.SingleToUInt32Bits(expected);
            if (float.IsNaN(expected) ? !SoftFloat.IsNaN(actual) : e != actual)
                throw new XunitException($"{op}({a:R}, {b:R}): expected 0x{e:X8}, got 0x{actual:X8}");
        }
    }

    // ---- helpers --------------------------------------------------------------------------------------------

    /// <summary>
    /// Values that stress the rounding: normal values at several magnitudes per row (1e-3 .. 1e4), with exact
    /// halves, repeated magnitudes of both signs (Q4_0 ties), zeros and float subnormals sprinkled in.
    /// </summary>
    private static float[] Awkward(int count, int seed, int rows)
    {
        var random = new System.Random(seed);
        var x = TestData.Normal(seed, count);
        int cols = count / Math.Max(rows, 1);
        for (int i = 0; i < count; i++)
        {
            float magnitude = MathF.Pow(10, (i / Math.Max(cols, 1)) % 8 - 3);
            x[i] *= magnitude;
            switch (random.Next(16))
            {
                case 0: x[i] = 0f; break;
                case 1: x[i] = (random.Next(-40, 40) + 0.5f) * magnitude / 16; break;
                case 2: x[i] = -x[Math.Max(i - 1, 0)]; break;
                case 3: x[i] = BitConverter.Int32BitsToSingle(random.Next(1, 0x00800000)); break;
            }
        }
        return x;
    }

    private static void AssertBytes<T>(ReadOnlySpan<T> expected, ReadOnlySpan<T> actual, string what) where T : IEquatable<T>
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            if (!expected[i].Equals(actual[i]))
                throw new XunitException($"{what}: differ at {i}: expected {expected[i]}, got {actual[i]}");
    }
}
