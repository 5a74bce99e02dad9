using LlmLab.Backends;
using LlmLab.Tensors;
using LlmLab.Tests.Infrastructure;
using LlmLab.Tests.References;

namespace LlmLab.Tests.Training;

/// <summary>
/// The backends' optimizer ops against float64. Tolerances: AddInPlace bit-identical to the float loop d + s * scale
/// (product rounded, then the sum: no FMA on either backend) and so within 1 ulp of each operation against float64;
/// SumOfSquares 1e-5 relative (each lane adds up to 256 positive float terms in a 4096-element chunk; partials in
/// double); AdamW after 4 steps: parameter 2e-7 absolute + 1e-6 relative, first moment 1e-7 absolute + 1e-6
/// relative, second moment 1e-6 relative (+1e-12 absolute), all against the double-precision formula.
/// </summary>
[Collection("backends")]
public class OptimizerOpsTests
{
    public static TheoryData<string> Backends => TestBackends.All;
    private static readonly int[] Sizes = [1, 3, 17, 1000, 4099];

    [Theory, MemberData(nameof(Backends))]
    public void AddInPlace_is_the_plain_float_loop(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        foreach (int n in Sizes)
            foreach (float scale in new[] { 1f, -0.37f })
            {
                var d = TestData.Uniform(n, n);
                var s = TestData.Uniform(n + 100, n);
                using var td = Tensor.From(backend, d, n);
                using var ts = Tensor.From(backend, s, n);
                backend.AddInPlace(td, ts, scale);
                var expected = new float[n];
                for (int i = 0; i < n; i++) expected[i] = d[i] + s[i] * scale;
                var actual = td.ToArray<float>();
                AssertClose.BitIdentical(expected, actual, $"add-in-place n={n} scale={scale}");
                var exact = Enumerable.Range(0, n).Select(i => d[i] + (double)s[i] * scale).ToArray();
                AssertClose.Within(exact, actual, 1.2e-7, 1.2e-7, $"add-in-place vs float64 n={n}");
                Assert.Equal(s, ts.ToArray<float>()); // the source is left alone
            }
    }

    [Theory, MemberData(nameof(Backends))]
    public void SumOfSquares_matches_float64(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        foreach (int n in Sizes.Append(3 * 4096 + 5))
        {
            var x = TestData.Normal(n + 7, n, 2f);
            using var t = Tensor.From(backend, x, n);
            using var y = backend.SumOfSquares(t);
            Assert.Equal(new Shape(1), y.Shape);
            AssertClose.Within([OptimizerReference.SumOfSquares(TestData.ToDouble(x))], y.ToArray<float>(), 0, 1e-5, $"sum of squares n={n}");
        }
    }

    [Theory, MemberData(nameof(Backends))]
    public void SumOfSquares_of_an_empty_tensor_is_zero(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        using var t = Tensor.Zeros(backend, new Shape(0, 4));
        using var y = backend.SumOfSquares(t);
        Assert.Equal(new[] { 0f }, y.ToArray<float>());
    }

    [Theory, MemberData(nameof(Backends))]
    public void AdamW_matches_float64_over_several_steps(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        // (beta1, weight decay, gradient scale): beta1 0.3 takes torch's other lerp branch (weight >= 0.5).
        var cases = new (float Beta1, float WeightDecay, float Scale)[] { (0.9f, 0f, 1f), (0.9f, 0.1f, 0.6f), (0.3f, 0.1f, 0.25f) };
        foreach (int n in Sizes)
            foreach (var (beta1, weightDecay, gradientScale) in cases)
            {
                var p0 = TestData.Uniform(n, n);
                using var p = Tensor.From(backend, p0, n);
                using var m = Tensor.Zeros(backend, new Shape(n));
                using var v = Tensor.Zeros(backend, new Shape(n));
                var reference = new OptimizerReference.AdamW(TestData.ToDouble(p0));
                string what = $"n={n} beta1={beta1} wd={weightDecay} scale={gradientScale}";
                for (int t = 1; t <= 4; t++)
                {
                    var g = TestData.Normal(1000 * t + n, n, 0.5f);
                    using var tg = Tensor.From(backend, g, n);
                    float lr = 0.01f * t;
                    backend.AdamW(p, tg, m, v, new AdamWStep(lr, t, beta1, 0.999f, 1e-8f, weightDecay, gradientScale));
                    reference.Step(TestData.ToDouble(g), t, (double)(decimal)lr, (double)(decimal)beta1, 0.999, 1e-8,
                        (double)(decimal)weightDecay, gradientScale);
                }
                AssertClose.Within(reference.P, p.ToArray<float>(), 2e-7, 1e-6, $"adamw parameter {what}");
                AssertClose.Within(reference.M, m.ToArray<float>(), 1e-7, 1e-6, $"adamw first moment {what}");
                AssertClose.Within(reference.V, v.ToArray<float>(), 1e-12, 1e-6, $"adamw second moment {what}");
            }
    }

    /// <summary>
    /// p = 1, g = 0.5, lr 0.1, wd 0, betas (0.9, 0.999), eps 1e-8, zero moments: m = 0.1 * 0.5 = 0.05,
    /// v = 0.001 * 0.25 = 0.00025, mhat = 0.05 / 0.1 = 0.5, vhat = 0.00025 / 0.001 = 0.25, so
    /// p = 1 - 0.1 * 0.5 / (0.5 + 1e-8) = 0.900000002 (0.9 to float precision: the first Adam step moves by lr).
    /// In float: m = 0.1f * 0.5f and v = (0.001f * 0.5f) * 0.5f exactly (torch's values), p within 1 ulp.
    /// </summary>
    [Theory, MemberData(nameof(Backends))]
    public void AdamW_first_step_known_answer(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        using var p = Tensor.From(backend, new[] { 1f }, 1);
        using var g = Tensor.From(backend, new[] { 0.5f }, 1);
        using var m = Tensor.Zeros(backend, new Shape(1));
        using var v = Tensor.Zeros(backend, new Shape(1));
        backend.AdamW(p, g, m, v, new AdamWStep(0.1f, 1, WeightDecay: 0f));
        Assert.Equal(0.1f * 0.5f, m.ToArray<float>()[0]);
        Assert.Equal(0.001f * 0.5f * 0.5f, v.ToArray<float>()[0]);
        double expected = 1 - 0.1 * 0.5 / (0.5 + 1e-8);
        Assert.Equal(0.900000002, expected, 1e-12);
        AssertClose.Within([expected], p.ToArray<float>(), 6e-8, 0, "adamw known answer");
    }

    [Fact]
    public void Cpu_gives_the_same_bits_on_one_and_two_threads()
    {
        const int n = 100_003;
        var one = TestBackends.CpuWithThreads(1);
        var two = TestBackends.CpuWithThreads(2);
        var x = TestData.Normal(3, n);
        var g = TestData.Normal(4, n, 0.1f);
        using var x1 = Tensor.From(one, x, n);
        using var x2 = Tensor.From(two, x, n);
        using var s1 = one.SumOfSquares(x1);
        using var s2 = two.SumOfSquares(x2);
        AssertClose.BitIdentical(s1.ToArray<float>(), s2.ToArray<float>(), "sum of squares");

        var state = new List<float[]>();
        foreach (var backend in new IBackend[] { one, two })
        {
            using var p = Tensor.From(backend, x, n);
            using var tg = Tensor.From(backend, g, n);
            using var m = Tensor.Zeros(backend, new Shape(n));
            using var v = Tensor.Zeros(backend, new Shape(n));
            for (int t = 1; t <= 3; t++)
                backend.AdamW(p, tg, m, v, new AdamWStep(1e-3f, t, WeightDecay: 0.1f, GradientScale: 0.5f));
            backend.AddInPlace(m, tg, 0.3f);
            state.AddRange([p.ToArray<float>(), m.ToArray<float>(), v.ToArray<float>()]);
        }
        AssertClose.BitIdentical(state[0], state[3], "adamw parameter");
        AssertClose.BitIdentical(state[1], state[4], "adamw first moment + add-in-place");
        AssertClose.BitIdentical(state[2], state[5], "adamw second moment");
    }

    [Theory, MemberData(nameof(Backends))]
    public void AddInPlace_names_both_shapes_when_they_differ(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        using var d = Tensor.Zeros(backend, new Shape(2, 3));
        using var s = Tensor.Zeros(backend, new Shape(3, 2));
        var e = Assert.Throws<ArgumentException>(() => backend.AddInPlace(d, s));
        Assert.Contains("[2, 3]", e.Message);
        Assert.Contains("[3, 2]", e.Message);
    }

    [Theory, MemberData(nameof(Backends))]
    public void Optimizer_ops_refuse_other_dtypes(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        using var ids = Tensor.From(backend, new[] { 1, 2, 3 }, 3);
        using var f = Tensor.Zeros(backend, new Shape(3));
        Assert.Contains("i32", Assert.Throws<ArgumentException>(() => backend.AddInPlace(f, ids)).Message);
        Assert.Contains("i32", Assert.Throws<ArgumentException>(() => backend.SumOfSquares(ids)).Message);
        Assert.Contains("i32", Assert.Throws<ArgumentException>(() => backend.AdamW(f, ids, f, f, new AdamWStep(0.1f, 1))).Message);
    }

    [Theory, MemberData(nameof(Backends))]
    public void AdamW_names_every_shape_when_they_differ(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        using var p = Tensor.Zeros(backend, new Shape(4, 2));
        using var g = Tensor.Zeros(backend, new Shape(4, 2));
        using var m = Tensor.Zeros(backend, new Shape(4, 2));
        using var v = Tensor.Zeros(backend, new Shape(8));
        var e = Assert.Throws<ArgumentException>(() => backend.AdamW(p, g, m, v, new AdamWStep(0.1f, 1)));
        Assert.Contains("[4, 2]", e.Message);
        Assert.Contains("second moment [8]", e.Message);
    }

    [Theory, MemberData(nameof(Backends))]
    public void AdamW_refuses_hyper_parameters_torch_refuses(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        using var p = Tensor.Zeros(backend, new Shape(3));
        Assert.Contains("step counts from 1", Assert.Throws<ArgumentException>(() => backend.AdamW(p, p, p, p, new AdamWStep(0.1f, 0))).Message);
        Assert.Contains("betas", Assert.Throws<ArgumentException>(() => backend.AdamW(p, p, p, p, new AdamWStep(0.1f, 1, Beta2: 1f))).Message);
        Assert.Contains("learning rate", Assert.Throws<ArgumentException>(() => backend.AdamW(p, p, p, p, new AdamWStep(-0.1f, 1))).Message);
        Assert.Contains("weight decay", Assert.Throws<ArgumentException>(() => backend.AdamW(p, p, p, p, new AdamWStep(0.1f, 1, WeightDecay: -1f))).Message);
        Assert.Contains("gradient scale", Assert.Throws<ArgumentException>(() => backend.AdamW(p, p, p, p, new AdamWStep(0.1f, 1, GradientScale: float.NaN))).Message);
    }
}
