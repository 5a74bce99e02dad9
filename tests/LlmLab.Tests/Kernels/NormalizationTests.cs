using LlmLab.Backends;
using LlmLab.Tensors;
using LlmLab.Tests.Infrastructure;
using LlmLab.Tests.References;

namespace LlmLab.Tests.Kernels;

/// <summary>
/// LayerNorm (with and without bias, biased variance) and RmsNorm against float64. Tolerance: 1e-5 absolute +
/// 1e-5 relative for both (outputs are O(weight); the mean and variance sums round at about 1e-7 relative).
/// </summary>
[Collection("backends")]
public class NormalizationTests
{
    public static TheoryData<string> Backends => TestBackends.All;
    private static readonly int[] RowCounts = [1, 3, 17];

    private static int[] Lengths(string backend) => backend == "cpu" ? [1, 3, 17, 1000, 4099] : [1, 3, 17, 1000];

    [Theory, MemberData(nameof(Backends))]
    public void Layer_norm_matches_float64_with_and_without_bias(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        foreach (int length in Lengths(backendName))
            foreach (int rows in RowCounts)
            {
                // An offset mean shows whether the variance survives cancellation.
                var x = TestData.Normal(length + rows, rows * length, 2).Select(v => v + 30f).ToArray();
                var w = TestData.Uniform(length + 1, length, 2);
                var b = TestData.Uniform(length + 2, length, 1);
                using var tx = Tensor.From(backend, x, rows, length);
                using var tw = Tensor.From(backend, w, length);
                using var tb = Tensor.From(backend, b, length);
                var d = TestData.ToDouble(x);
                AssertClose.Within(RowOpsReference.LayerNorm(d, TestData.ToDouble(w), TestData.ToDouble(b), 1e-5),
                    backend.LayerNorm(tx, tw, tb).ToArray<float>(), 1e-5, 1e-5, $"layer-norm {rows}x{length}");
                AssertClose.Within(RowOpsReference.LayerNorm(d, TestData.ToDouble(w), null, 1e-3),
                    backend.LayerNorm(tx, tw, null, 1e-3f).ToArray<float>(), 1e-5, 1e-5, $"layer-norm without bias {rows}x{length}");
            }
    }

    [Theory, MemberData(nameof(Backends))]
    public void Rms_norm_matches_float64(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        foreach (int length in Lengths(backendName))
            foreach (int rows in RowCounts)
            {
                var x = TestData.Normal(length * 3 + rows, rows * length, 2);
                var w = TestData.Uniform(length + 5, length, 2);
                using var tx = Tensor.From(backend, x, rows, length);
                using var tw = Tensor.From(backend, w, length);
                AssertClose.Within(RowOpsReference.RmsNorm(TestData.ToDouble(x), TestData.ToDouble(w), 1e-6),
                    backend.RmsNorm(tx, tw).ToArray<float>(), 1e-5, 1e-5, $"rms-norm {rows}x{length}");
            }
    }

    [Fact]
    public void Cpu_gives_the_same_bits_on_one_and_two_threads()
    {
        var x = TestData.Normal(3, 65 * 769, 2);
        var w = TestData.Uniform(4, 769, 2);
        var b = TestData.Uniform(5, 769, 1);
        var one = TestBackends.CpuWithThreads(1);
        var two = TestBackends.CpuWithThreads(2);
        using var x1 = Tensor.From(one, x, 65, 769);
        using var x2 = Tensor.From(two, x, 65, 769);
        using var w1 = Tensor.From(one, w, 769);
        using var w2 = Tensor.From(two, w, 769);
        using var b1 = Tensor.From(one, b, 769);
        using var b2 = Tensor.From(two, b, 769);
        AssertClose.BitIdentical(one.LayerNorm(x1, w1, b1).ToArray<float>(), two.LayerNorm(x2, w2, b2).ToArray<float>(), "layer-norm");
        AssertClose.BitIdentical(one.RmsNorm(x1, w1).ToArray<float>(), two.RmsNorm(x2, w2).ToArray<float>(), "rms-norm");
    }

    [Theory, MemberData(nameof(Backends))]
    public void A_weight_that_does_not_match_the_last_axis_is_named_in_the_error(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        using var x = Tensor.Zeros(backend, new Shape(2, 6));
        using var w = Tensor.Zeros(backend, new Shape(5));
        var e = Assert.Throws<ArgumentException>(() => backend.LayerNorm(x, w, null));
        Assert.Contains("[2, 6]", e.Message);
        Assert.Contains("[5]", e.Message);
        e = Assert.Throws<ArgumentException>(() => backend.RmsNorm(x, w));
        Assert.Contains("[2, 6]", e.Message);
        Assert.Contains("[5]", e.Message);
    }

    [Theory, MemberData(nameof(Backends))]
    public void A_bias_that_does_not_match_the_last_axis_is_named_in_the_error(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        using var x = Tensor.Zeros(backend, new Shape(2, 6));
        using var w = Tensor.Zeros(backend, new Shape(6));
        using var b = Tensor.Zeros(backend, new Shape(1, 6));
        var e = Assert.Throws<ArgumentException>(() => backend.LayerNorm(x, w, b));
        Assert.Contains("bias", e.Message);
        Assert.Contains("[1, 6]", e.Message);
    }

    [Theory, MemberData(nameof(Backends))]
    public void A_weight_that_is_not_f32_is_refused(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        using var x = Tensor.Zeros(backend, new Shape(2, 6));
        using var w = Tensor.Zeros(backend, new Shape(6), DType.I32);
        var e = Assert.Throws<ArgumentException>(() => backend.RmsNorm(x, w));
        Assert.Contains("weight must be f32", e.Message);
        Assert.Contains("i32", e.Message);
    }
}
