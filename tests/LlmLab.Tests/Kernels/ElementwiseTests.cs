using LlmLab.Backends;
using LlmLab.Backends.Cpu;
using LlmLab.Tensors;
using LlmLab.Tests.Infrastructure;
using LlmLab.Tests.References;

namespace LlmLab.Tests.Kernels;

/// <summary>Elementwise ops against float64. Tolerance: add/mul/scale/relu exact to f32 rounding (1 ulp);
/// gelu/silu 1e-6 absolute + 1e-6 relative (the managed exp/tanh are within a few ulp); exact (erf) gelu 3e-7 absolute +
/// 3e-7 relative, and erf itself within 1e-7 absolute.</summary>
[Collection("backends")]
public class ElementwiseTests
{
    public static TheoryData<string> Backends => TestBackends.All;
    private static readonly int[] Sizes = [1, 3, 17, 1000, 4099];

    [Theory, MemberData(nameof(Backends))]
    public void Add_and_mul_match_float64_with_and_without_broadcast(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        foreach (int n in Sizes)
            foreach (int[] bShape in new[] { new[] { 2, n }, new[] { n } })
            {
                var a = TestData.Uniform(n, 2 * n, 3);
                var b = TestData.Uniform(n + 1, bShape.Aggregate(1, (x, y) => x * y), 3);
                using var ta = Tensor.From(backend, a, 2, n);
                using var tb = Tensor.From(backend, b, bShape);
                var da = TestData.ToDouble(a);
                var db = TestData.ToDouble(b);
                AssertClose.Within(ElementwiseReference.Broadcast(da, db, (x, y) => x + y), backend.Add(ta, tb).ToArray<float>(), 0, 1.2e-7, $"add n={n}");
                AssertClose.Within(ElementwiseReference.Broadcast(da, db, (x, y) => x * y), backend.Mul(ta, tb).ToArray<float>(), 0, 1.2e-7, $"mul n={n}");
            }
    }

    [Theory, MemberData(nameof(Backends))]
    public void Activations_match_float64(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        foreach (int n in Sizes)
        {
            var x = TestData.Uniform(n, n, 12);
            using var t = Tensor.From(backend, x, n);
            var d = TestData.ToDouble(x);
            AssertClose.Within(d.Select(ElementwiseReference.Gelu).ToArray(), backend.Gelu(t).ToArray<float>(), 1e-6, 1e-6, $"gelu n={n}");
            AssertClose.Within(d.Select(ElementwiseReference.Silu).ToArray(), backend.Silu(t).ToArray<float>(), 1e-6, 1e-6, $"silu n={n}");
            AssertClose.Within(d.Select(ElementwiseReference.Relu).ToArray(), backend.Relu(t).ToArray<float>(), 0, 0, $"relu n={n}");
            AssertClose.Within(d.Select(v => v * 0.37).ToArray(), backend.Scale(t, 0.37f).ToArray<float>(), 0, 1.2e-7, $"scale n={n}");
        }
    }

    [Theory, MemberData(nameof(Backends))]
    public void Exact_gelu_matches_float64(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        foreach (int n in new[] { 1, 3, 17, 1000 })
        {
            var x = TestData.Uniform(n + 40, n, 9);
            if (n == 1000)
            {
                // Both erf pieces' seams (x/√2 = ±1), the far negative tail, and where erfc underflows.
                float[] edges = [0f, -0f, 1.4142135f, -1.4142135f, 1.4142137f, -1.4142137f, -8f, -12f, 14.2f, -14.2f, 20f, -20f, 1e-8f];
                edges.CopyTo(x, 0);
            }
            using var t = Tensor.From(backend, x, n);
            var expected = TestData.ToDouble(x).Select(ElementwiseReference.GeluErf).ToArray();
            AssertClose.Within(expected, backend.GeluErf(t).ToArray<float>(), 3e-7, 3e-7, $"gelu-erf n={n}");
        }
    }

    [Fact]
    public void Erf_is_within_1e7_of_float64_everywhere()
    {
        // Every 2^-14 from -6 to 6 (both pieces and their seam at 1), then the tail and the extremes.
        var x = Enumerable.Range(-6 * 16384, 12 * 16384 + 1).Select(i => i / 16384f)
            .Concat([0.99999994f, 1.0000001f, -0.99999994f, 9.99f, 10.01f, 1e-30f, float.MaxValue, float.MinValue]).ToArray();
        var actual = x.Select(SimdMath.Erf).ToArray();
        AssertClose.Within(TestData.ToDouble(x).Select(ElementwiseReference.Erf).ToArray(), actual, 1e-7, 0, "erf");
        Assert.True(float.IsNaN(SimdMath.Erf(float.NaN)));
        Assert.Equal(1f, SimdMath.Erf(float.PositiveInfinity));
        Assert.Equal(-1f, SimdMath.Erf(float.NegativeInfinity));
    }

    [Theory, MemberData(nameof(Backends))]
    public void Shapes_that_do_not_broadcast_are_named_in_the_error(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        using var a = Tensor.Zeros(backend, new Shape(2, 3));
        using var b = Tensor.Zeros(backend, new Shape(2));
        var e = Assert.Throws<ArgumentException>(() => backend.Add(a, b));
        Assert.Contains("[2, 3]", e.Message);
        Assert.Contains("[2]", e.Message);
    }

    [Theory, MemberData(nameof(Backends))]
    public void A_dtype_the_op_does_not_take_is_refused(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        using var ids = Tensor.From(backend, new[] { 1, 2, 3 }, 3);
        var e = Assert.Throws<ArgumentException>(() => backend.Gelu(ids));
        Assert.Contains("i32", e.Message);
    }

    [Fact]
    public void Cpu_gives_the_same_bits_on_one_and_two_threads()
    {
        var x = TestData.Uniform(7, 100_003, 8);
        var one = TestBackends.CpuWithThreads(1);
        var two = TestBackends.CpuWithThreads(2);
        using var t1 = Tensor.From(one, x, x.Length);
        using var t2 = Tensor.From(two, x, x.Length);
        AssertClose.BitIdentical(one.Gelu(t1).ToArray<float>(), two.Gelu(t2).ToArray<float>(), "gelu");
        AssertClose.BitIdentical(one.Silu(t1).ToArray<float>(), two.Silu(t2).ToArray<float>(), "silu");
        AssertClose.BitIdentical(one.GeluErf(t1).ToArray<float>(), two.GeluErf(t2).ToArray<float>(), "gelu-erf");
    }
}
