using LlmLab.Backends;
using LlmLab.Backends.Ilgpu;
using LlmLab.Nn;
using LlmLab.Tensors;
using LlmLab.Tests.Infrastructure;
using LlmLab.Tests.References;
using static LlmLab.Tests.Kernels.QuantizationTests;

namespace LlmLab.Tests.Kernels;

/// <summary>
/// LoraLinearQuantized (QLoRA's layer) against float64 of x Wᵀ + bias + scale (x Aᵀ) Bᵀ with W the quantised weight
/// dequantised exactly (int8 q / scale, Q8_0/Q4_0 q * fp16(d)), for every weight kind, up to 4 rows (the decode
/// path: matvec plus an accumulating launch on ILGPU) and more (prefill: the tile kernel's quantised segment 1 beside
/// the f32 segment 2). Tolerance per element as LoraTests: 1e-5 * m + 1e-6, m the sum of what is added (sum |x w| +
/// |bias| + |scale| sum_t |x Aᵀ|_t |B_jt|). An adapter with B = 0 must give MatMulQuantized's bits.
/// </summary>
[Collection("backends")]
public class QLoraTests
{
    public static TheoryData<string> Backends => TestBackends.All;

    private const double Rel = 1e-5, Abs = 1e-6;

    [Theory, MemberData(nameof(Backends))]
    public void Lora_linear_quantized_matches_float64_of_the_dequantised_weight(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        // (rows, in, out): 1..4 rows decode, 5 and 33 prefill (33 rows and 70 outputs cut the tiles); in 64 is two
        // blocks, 96 three; the cpu also a wider layer.
        (int Rows, int In, int Out)[] shapes = backendName == "cpu"
            ? [(1, 64, 40), (2, 64, 40), (3, 96, 17), (4, 64, 40), (5, 96, 70), (33, 96, 70), (130, 256, 300)]
            : [(1, 64, 40), (2, 64, 40), (3, 96, 17), (4, 64, 40), (5, 96, 70), (33, 96, 70)];
        int seed = 0;
        foreach (var kind in Enum.GetValues<WeightKind>())
            foreach (var (rows, inF, outF) in shapes)
                foreach (int rank in new[] { 1, 4, 17 })
                    Check(backend, kind, rows, inF, outF, rank, withBias: seed % 2 == 0, seed++);
    }

    /// <summary>Prefill through every tile kernel (the quantised segment 1 then LoRA's f32 segment 2 in one k loop) and
    /// decode through forced kernels and split-K (the low-rank launches).</summary>
    [Theory, MemberData(nameof(TileKernelsAndSplits), MemberType = typeof(QuantizationTests))]
    public void Lora_linear_quantized_runs_on_every_tile_kernel_and_split(string kernel, int splits)
    {
        var backend = TestBackends.Get("ilgpu-cpu");
        using var _ = IlgpuBackend.ForceMatMulKernel(IlgpuBackend.ParseMatMulKernel(kernel));
        using var __ = IlgpuBackend.ForceMatMulSplits(splits);
        int seed = 100;
        foreach (var kind in Enum.GetValues<WeightKind>())
        {
            Check(backend, kind, 33, 96, 70, rank: 17, withBias: kind is WeightKind.Int8PerRow or WeightKind.Q4_0, seed++);
            Check(backend, kind, 3, 96, 70, rank: 17, withBias: kind is WeightKind.Int8PerTensor or WeightKind.Q8_0, seed++);
        }
    }

    [Theory, MemberData(nameof(Backends))]
    public void A_fresh_adapter_over_a_quantised_weight_changes_nothing(string backendName)
    {
        // B = 0 (PEFT's initialisation): the layer is the quantised base layer, bit for bit, on both paths.
        var backend = TestBackends.Get(backendName);
        foreach (var kind in Enum.GetValues<WeightKind>())
            foreach (int rows in new[] { 3, 9 })
            {
                const int inF = 64, outF = 24, rank = 4;
                var (q, _) = Quantized(backend, kind, TestData.Normal(rows + (int)kind, outF * inF, 0.5f), outF, inF);
                try
                {
                    using var x = Tensor.From(backend, TestData.Uniform(rows, rows * inF), rows, inF);
                    using var bias = Tensor.From(backend, TestData.Uniform(7, outF), outF);
                    using var a = Tensor.From(backend, TestData.Uniform(8, rank * inF, 0.3f), rank, inF);
                    using var b = Tensor.Zeros(backend, new Shape(outF, rank));
                    using var expected = backend.MatMulQuantized(x, q, bias);
                    using var y = backend.LoraLinearQuantized(x, q, bias, a, b, 2f);
                    AssertClose.BitIdentical(expected.ToArray<float>(), y.ToArray<float>(), $"{backendName} {kind} rows={rows} zero B");
                }
                finally
                {
                    q.Release();
                }
            }
    }

    [Fact]
    public void Cpu_gives_the_same_bits_on_one_and_two_threads()
    {
        const int rows = 70, inF = 256, outF = 300, rank = 16;
        var x = TestData.Uniform(1, rows * inF);
        var w = TestData.Normal(2, outF * inF, 0.1f);
        var a = TestData.Uniform(3, rank * inF, 0.3f);
        var b = TestData.Normal(4, outF * rank, 0.5f);
        float[] Run(IBackend backend)
        {
            using var tx = Tensor.From(backend, x, rows, inF);
            using var tw = Tensor.From(backend, w, outF, inF);
            using var ta = Tensor.From(backend, a, rank, inF);
            using var tb = Tensor.From(backend, b, outF, rank);
            var result = new List<float>();
            foreach (var format in new[] { WeightFormat.Int8, WeightFormat.Q4_0 })
            {
                var q = WeightFormats.Quantize(tw, format);
                using (var y = backend.LoraLinearQuantized(tx, q, null, ta, tb, 0.5f)) result.AddRange(y.ToArray<float>());
                q.Release();
            }
            return [.. result];
        }
        AssertClose.BitIdentical(Run(TestBackends.CpuWithThreads(1)), Run(TestBackends.CpuWithThreads(2)), "qlora");
    }

    [Theory, MemberData(nameof(Backends))]
    public void Adapter_shapes_that_do_not_fit_the_quantised_weight_are_named(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        using var x = Tensor.Zeros(backend, new Shape(2, 32));
        using var w = Tensor.Zeros(backend, new Shape(6, 32));
        using var q = backend.QuantizeBlocks(w, DType.Q4_0);
        using var a = Tensor.Zeros(backend, new Shape(4, 31));
        using var b = Tensor.Zeros(backend, new Shape(6, 4));
        var e = Assert.Throws<ArgumentException>(() => backend.LoraLinearQuantized(x, q, null, a, b, 1f));
        Assert.Contains("[4, 31]", e.Message);
        Assert.Contains("[6, 32]", e.Message);
        using var x2 = Tensor.Zeros(backend, new Shape(2, 64));
        using var a2 = Tensor.Zeros(backend, new Shape(4, 32));
        e = Assert.Throws<ArgumentException>(() => backend.LoraLinearQuantized(x2, q, null, a2, b, 1f));
        Assert.Contains("[2, 64]", e.Message);
    }

    /// <summary>One layer against <see cref="LoraReference"/> with the dequantised weight; x as [2, rows/2, in] when rows
    /// is even, so leading dimensions must be kept.</summary>
    private static void Check(IBackend backend, WeightKind kind, int rows, int inF, int outF, int rank, bool withBias, int seed)
    {
        var x = TestData.Uniform(seed, rows * inF);
        var w = TestData.Normal(seed + 1, outF * inF, 0.1f);
        var a = TestData.Uniform(seed + 2, rank * inF, 0.3f);
        var b = TestData.Normal(seed + 3, outF * rank, 0.5f);
        var bias = withBias ? TestData.Uniform(seed + 4, outF) : null;
        const float scale = 16f / 8f;
        int[] xShape = rows % 2 == 0 ? [2, rows / 2, inF] : [rows, inF];
        var (q, dequantised) = Quantized(backend, kind, w, outF, inF);
        try
        {
            using var tx = Tensor.From(backend, x, xShape);
            using var ta = Tensor.From(backend, a, rank, inF);
            using var tb = Tensor.From(backend, b, outF, rank);
            using var tbias = bias is null ? null : Tensor.From(backend, bias, outF);
            using var y = backend.LoraLinearQuantized(tx, q, tbias, ta, tb, scale);
            Assert.Equal(new Shape([.. xShape[..^1], outF]), y.Shape);
            var (expected, magnitude) = LoraReference.Linear(x, dequantised, bias, a, b, scale, rows, inF, outF, rank);
            MatMulReference.AssertWithin(expected, magnitude, y.ToArray<float>(), Rel, Abs,
                $"{backend.Name} qlora {kind} {rows}x{inF}->{outF} r={rank} bias={withBias}");
        }
        finally
        {
            q.Release();
        }
    }

    /// <summary>
    /// W quantised on the cpu and its bytes moved to <paramref name="backend"/> (identical on every backend, see
    /// QuantizationTests), and the float64 values it stands for.
    /// </summary>
    internal static (QuantizedWeight Weight, double[] Dequantised) Quantized(IBackend backend, WeightKind kind, float[] w, int n, int k)
    {
        var cpu = TestBackends.Get("cpu");
        using var tw = Tensor.From(cpu, w, n, k);
        if (kind is WeightKind.Q8_0 or WeightKind.Q4_0)
        {
            bool q4 = kind == WeightKind.Q4_0;
            var blocks = Move(cpu.QuantizeBlocks(tw, q4 ? DType.Q4_0 : DType.Q8_0), backend);
            return (blocks, TestData.ToDouble(QuantizationReference.DequantizeBlocks(blocks.ToBytes(), q4)));
        }
        var scheme = kind == WeightKind.Int8PerRow ? Int8Scheme.AbsmaxPerRow : Int8Scheme.AbsmaxPerTensor;
        var int8 = cpu.QuantizeInt8(tw, scheme);
        var values = int8.Values.ToArray<sbyte>();
        var scales = int8.Scales.ToArray<float>();
        var dequantised = values.Select((v, i) => v / (double)scales[scales.Length == 1 ? 0 : i / k]).ToArray();
        return (new Int8Tensor(Move(int8.Values, backend), Move(int8.Scales, backend), null, scheme), dequantised);
    }

    /// <summary>The tensor on <paramref name="backend"/>; a copy there frees the original.</summary>
    private static Tensor Move(Tensor t, IBackend backend)
    {
        var moved = t.To(backend);
        if (!ReferenceEquals(moved, t)) t.Dispose();
        return moved;
    }
}
