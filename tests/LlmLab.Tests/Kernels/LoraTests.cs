using LlmLab.Backends;
using LlmLab.Tensors;
using LlmLab.Tests.Infrastructure;
using LlmLab.Tests.References;

namespace LlmLab.Tests.Kernels;

/// <summary>
/// LoraLinear and LoraMerge against float64 (PEFT's formulas). Tolerance per element: |err| &lt;= 1e-5 * m + 1e-6,
/// where m is the size of what is summed (sum |x W| + |bias| + |scale| sum_t |x A^T|_t |B_jt| for the layer,
/// |W| + |scale| sum_t |B A| for a merge). Merge then unmerge must return W within 1e-6 * m; the fused layer must
/// equal a plain MatMul with the merged weight within the same 1e-5 * m + 1e-6.
/// </summary>
[Collection("backends")]
public class LoraTests
{
    public static TheoryData<string> Backends => TestBackends.All;

    private const double Rel = 1e-5, Abs = 1e-6;

    /// <summary>(rows, in, out) of the layer: odd sizes that cut tiles; the cpu also a GPT-2-sized one.</summary>
    private static (int Rows, int In, int Out)[] Shapes(string backend) => backend == "cpu"
        ? [(1, 3, 1), (10, 100, 70), (3, 1000, 17), (130, 768, 300)]
        : [(1, 3, 1), (10, 100, 70), (37, 40, 130)];

    [Theory, MemberData(nameof(Backends))]
    public void Lora_linear_matches_float64_for_ranks_1_4_17(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        int seed = 0;
        foreach (var (rows, inF, outF) in Shapes(backendName))
            foreach (int rank in backendName == "cpu" ? new[] { 1, 4, 17, 64 } : new[] { 1, 4, 17 })
            {
                bool withBias = seed++ % 2 == 0;
                var x = TestData.Uniform(seed, rows * inF);
                var w = TestData.Normal(seed + 1, outF * inF, 0.1f);
                var a = TestData.Uniform(seed + 2, rank * inF, 0.3f);
                var b = TestData.Normal(seed + 3, outF * rank, 0.5f);
                var bias = withBias ? TestData.Uniform(seed + 4, outF) : null;
                const float scale = 16f / 8f;
                // x as [2, rows/2.., in] when it splits, to check leading dimensions are kept
                int[] xShape = rows % 2 == 0 ? [2, rows / 2, inF] : [rows, inF];
                using var tx = Tensor.From(backend, x, xShape);
                using var tw = Tensor.From(backend, w, outF, inF);
                using var ta = Tensor.From(backend, a, rank, inF);
                using var tb = Tensor.From(backend, b, outF, rank);
                using var tbias = bias is null ? null : Tensor.From(backend, bias, outF);
                using var y = backend.LoraLinear(tx, tw, tbias, ta, tb, scale);
                Assert.Equal(new Shape([.. xShape[..^1], outF]), y.Shape);
                var (expected, magnitude) = LoraReference.Linear(x, w, bias, a, b, scale, rows, inF, outF, rank);
                MatMulReference.AssertWithin(expected, magnitude, y.ToArray<float>(), Rel, Abs, $"{backendName} lora {rows}x{inF}->{outF} r={rank} bias={withBias}");
            }
    }

    [Theory, MemberData(nameof(Backends))]
    public void Merge_matches_float64_and_unmerge_restores_the_weight(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        foreach (var (inF, outF, rank) in new[] { (3, 1, 1), (100, 70, 4), (33, 130, 17) })
        {
            var w = TestData.Normal(inF, outF * inF, 0.1f);
            var a = TestData.Uniform(outF, rank * inF, 0.3f);
            var b = TestData.Normal(rank, outF * rank, 0.5f);
            const float scale = 0.75f;
            using var tw = Tensor.From(backend, w, outF, inF);
            using var ta = Tensor.From(backend, a, rank, inF);
            using var tb = Tensor.From(backend, b, outF, rank);
            backend.LoraMerge(tw, ta, tb, scale);
            var (expected, magnitude) = LoraReference.Merge(w, a, b, scale, inF, outF, rank);
            MatMulReference.AssertWithin(expected, magnitude, tw.ToArray<float>(), Rel, Abs, $"{backendName} merge {outF}x{inF} r={rank}");
            backend.LoraMerge(tw, ta, tb, -scale);
            MatMulReference.AssertWithin(TestData.ToDouble(w), magnitude, tw.ToArray<float>(), 1e-6, 0, $"{backendName} unmerge {outF}x{inF} r={rank}");
        }
    }

    [Theory, MemberData(nameof(Backends))]
    public void Lora_linear_equals_a_matmul_with_the_merged_weight(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        const int rows = 9, inF = 70, outF = 45, rank = 8;
        var x = TestData.Uniform(1, rows * inF);
        var w = TestData.Normal(2, outF * inF, 0.1f);
        var a = TestData.Uniform(3, rank * inF, 0.3f);
        var b = TestData.Normal(4, outF * rank, 0.5f);
        var bias = TestData.Uniform(5, outF);
        const float scale = 2f;
        using var tx = Tensor.From(backend, x, rows, inF);
        using var tw = Tensor.From(backend, w, outF, inF);
        using var ta = Tensor.From(backend, a, rank, inF);
        using var tb = Tensor.From(backend, b, outF, rank);
        using var tbias = Tensor.From(backend, bias, outF);
        var fused = backend.LoraLinear(tx, tw, tbias, ta, tb, scale).ToArray<float>();
        backend.LoraMerge(tw, ta, tb, scale);
        var merged = backend.MatMul(tx, tw, transposeB: true, bias: tbias).ToArray<float>();
        var (_, magnitude) = LoraReference.Linear(x, w, bias, a, b, scale, rows, inF, outF, rank);
        MatMulReference.AssertWithin(TestData.ToDouble(merged), magnitude, fused, Rel, Abs, $"{backendName} fused vs merged");
    }

    [Theory, MemberData(nameof(Backends))]
    public void A_fresh_adapter_changes_nothing(string backendName)
    {
        // PEFT initialises B to zero: the adapted layer is the base layer, bit for bit on every backend.
        var backend = TestBackends.Get(backendName);
        var x = TestData.Uniform(1, 5 * 20);
        var w = TestData.Normal(2, 30 * 20);
        using var tx = Tensor.From(backend, x, 5, 20);
        using var tw = Tensor.From(backend, w, 30, 20);
        using var ta = Tensor.From(backend, TestData.Uniform(3, 4 * 20), 4, 20);
        using var tb = Tensor.Zeros(backend, new Shape(30, 4));
        var expected = backend.MatMul(tx, tw, transposeB: true).ToArray<float>();
        AssertClose.BitIdentical(expected, backend.LoraLinear(tx, tw, null, ta, tb, 2f).ToArray<float>(), "zero B");
    }

    [Fact]
    public void Cpu_gives_the_same_bits_on_one_and_two_threads()
    {
        const int rows = 200, inF = 300, outF = 500, rank = 16;
        var x = TestData.Uniform(1, rows * inF);
        var w = TestData.Normal(2, outF * inF);
        var a = TestData.Uniform(3, rank * inF);
        var b = TestData.Normal(4, outF * rank);
        float[] Run(IBackend backend)
        {
            using var tx = Tensor.From(backend, x, rows, inF);
            using var tw = Tensor.From(backend, w, outF, inF);
            using var ta = Tensor.From(backend, a, rank, inF);
            using var tb = Tensor.From(backend, b, outF, rank);
            using var y = backend.LoraLinear(tx, tw, null, ta, tb, 0.5f);
            backend.LoraMerge(tw, ta, tb, 0.5f);
            return [.. y.ToArray<float>(), .. tw.ToArray<float>()];
        }
        AssertClose.BitIdentical(Run(TestBackends.CpuWithThreads(1)), Run(TestBackends.CpuWithThreads(2)), "lora");
    }

    [Theory, MemberData(nameof(Backends))]
    public void Adapter_shapes_that_do_not_fit_are_named(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        using var x = Tensor.Zeros(backend, new Shape(2, 8));
        using var w = Tensor.Zeros(backend, new Shape(6, 8));
        using var a = Tensor.Zeros(backend, new Shape(4, 7));
        using var b = Tensor.Zeros(backend, new Shape(6, 4));
        var e = Assert.Throws<ArgumentException>(() => backend.LoraLinear(x, w, null, a, b, 1f));
        Assert.Contains("[4, 7]", e.Message);
        Assert.Contains("[6, 8]", e.Message);
        e = Assert.Throws<ArgumentException>(() => backend.LoraMerge(w, a, b, 1f));
        Assert.Contains("[4, 7]", e.Message);
    }

    [Theory, MemberData(nameof(Backends))]
    public void Input_features_that_do_not_fit_are_named(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        using var x = Tensor.Zeros(backend, new Shape(2, 5));
        using var w = Tensor.Zeros(backend, new Shape(6, 8));
        using var a = Tensor.Zeros(backend, new Shape(4, 8));
        using var b = Tensor.Zeros(backend, new Shape(6, 4));
        var e = Assert.Throws<ArgumentException>(() => backend.LoraLinear(x, w, null, a, b, 1f));
        Assert.Contains("[2, 5]", e.Message);
        Assert.Contains("[6, 8]", e.Message);
    }

    [Theory, MemberData(nameof(Backends))]
    public void A_dtype_the_op_does_not_take_is_refused(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        using var x = Tensor.Zeros(backend, new Shape(2, 8), DType.I32);
        using var w = Tensor.Zeros(backend, new Shape(6, 8));
        using var a = Tensor.Zeros(backend, new Shape(4, 8));
        using var b = Tensor.Zeros(backend, new Shape(6, 4));
        var e = Assert.Throws<ArgumentException>(() => backend.LoraLinear(x, w, null, a, b, 1f));
        Assert.Contains("i32", e.Message);
        Assert.Contains("[2, 8]", e.Message);
    }
}
