using LlmLab.Backends;
using LlmLab.Backends.Cpu;
using LlmLab.Tensors;
using LlmLab.Tests.Infrastructure;
using LlmLab.Tests.References;
using Case = LlmLab.Tests.References.AttentionReference.Case;
using ExpectedGradients = LlmLab.Tests.References.AttentionBackwardReference.Gradients;

namespace LlmLab.Tests.Gradients;

/// <summary>
/// Attention backward (dQ, dK, dV by recomputation) on every backend. Inputs are standard normal, the forward output
/// comes from the backend's own forward. Tiny shapes: against central finite differences (step 2^-10, inputs on a
/// 2^-8 grid so x +- step is exact) of the float64 forward reference of L = sum(dO * O), tolerance 1e-4 absolute +
/// 1e-3 relative (the step's truncation error is ~1e-6). Larger shapes (T up to 100, D 8/17/64): against the
/// analytic float64 backward, tolerance 2e-4 absolute + 1e-3 relative on every gradient (a dK or dV element sums up
/// to Hq/Hkv * Tq float products of unit-scale values; L and D are float). cpu: bit-identical for 1 and 2 threads
/// and for Vector256 and Vector512.
/// </summary>
[Collection("backends")]
public class AttentionBackwardTests
{
    public static TheoryData<string> Backends => TestBackends.All;
    private const double Abs = 2e-4, Rel = 1e-3;
    private const double FdAbs = 1e-4, FdRel = 1e-3;

    [Theory, MemberData(nameof(Backends))]
    public void Matches_finite_differences_on_tiny_shapes(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        var mask = new[] { 1, 0, 1, 1, 1, 1, 1, 1, 0, 1 };
        var cases = new[]
        {
            new Case(1, 1, 1, 3, 3, 4),
            new Case(1, 2, 1, 3, 5, 4) { Causal = true },
            new Case(2, 2, 2, 4, 5, 3) { Mask = mask, Bias = Grid(TestData.Normal(7, 2 * 4 * 5)), Scale = 0.75 },
        };
        foreach (var c in cases)
        {
            var (q, k, v, dO) = Inputs(c, c.QueryLength * 10 + c.Dim, onGrid: true);
            var got = Run(backend, c, q, k, v, dO);
            var expected = AttentionBackwardReference.FiniteDifferences(c, q, k, v, dO, 1f / 1024);
            Compare(expected, got, FdAbs, FdRel, $"finite differences {c}");
        }
    }

    [Theory, MemberData(nameof(Backends))]
    public void Matches_float64_across_lengths_and_head_dims(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        bool simulator = backendName == "ilgpu-cpu";
        foreach (int t in new[] { 1, 3, 17, 64, 100 })
            foreach (int d in new[] { 8, 17, 64 })
                foreach (bool causal in new[] { false, true })
                {
                    if (simulator && (t > 17 && (d != 8 || !causal) || t == 100)) continue; // the simulator is slow
                    Check(backend, new Case(simulator ? 1 : 2, 2, 2, t, t, d) { Causal = causal }, t * 100 + d);
                }
        if (simulator) Check(backend, new Case(1, 1, 1, 33, 33, 64) { Causal = true }, 9);
    }

    [Theory, MemberData(nameof(Backends))]
    public void Grouped_query_heads_sum_into_their_kv_head(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        foreach (int kvHeads in new[] { 2, 1 })
            foreach (bool causal in new[] { false, true })
                Check(backend, new Case(1, 4, kvHeads, 17, 17, 16) { Causal = causal }, kvHeads * 10 + (causal ? 1 : 0));
    }

    [Theory, MemberData(nameof(Backends))]
    public void Key_padding_mask_and_rows_that_see_no_key(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        int t = 21;
        var mask = new int[2 * t];
        for (int j = 0; j < t; j++) mask[j] = j < 5 ? 0 : 1;           // left padding
        var coin = TestData.Integers(t, t, 0, 3);
        for (int j = 0; j < t; j++) mask[t + j] = coin[j] == 0 ? 0 : 7; // scattered holes
        foreach (bool causal in new[] { false, true })
            Check(backend, new Case(2, 2, 1, t, t, 8) { Causal = causal, Mask = mask }, 30 + (causal ? 1 : 0));

        // Batch 1 all padding: its rows see nothing, so all its gradients are zero.
        var padded = new int[2 * 9];
        for (int j = 0; j < 9; j++) padded[j] = 1;
        var c = new Case(2, 2, 2, 9, 9, 8) { Mask = padded };
        var (q, k, v, dO) = Inputs(c, 40);
        var got = Run(backend, c, q, k, v, dO);
        Compare(AttentionBackwardReference.Backward(c, q, k, v, dO), got, Abs, Rel, "a batch of padding");
        Assert.All(got.Query.AsSpan(got.Query.Length / 2).ToArray(), x => Assert.Equal(0f, x));
        Assert.All(got.Key.AsSpan(got.Key.Length / 2).ToArray(), x => Assert.Equal(0f, x));
        Assert.All(got.Value.AsSpan(got.Value.Length / 2).ToArray(), x => Assert.Equal(0f, x));

        // Causal with more queries than keys: the first queries sit before key 0 and see nothing.
        var early = new Case(1, 2, 1, 12, 5, 8) { Causal = true };
        (q, k, v, dO) = Inputs(early, 41);
        got = Run(backend, early, q, k, v, dO);
        Compare(AttentionBackwardReference.Backward(early, q, k, v, dO), got, Abs, Rel, "queries before the first key");
        Assert.All(got.Query.AsSpan(0, 6 * 8).ToArray(), x => Assert.Equal(0f, x));
    }

    [Theory, MemberData(nameof(Backends))]
    public void Bias_of_both_shapes_a_scale_override_and_unequal_lengths(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        int batch = backendName == "ilgpu-cpu" ? 1 : 2; // the simulator is slow
        foreach ((int tq, int tk, bool causal) in new[] { (17, 17, true), (5, 70, false), (5, 70, true), (30, 11, false) })
        {
            var perHead = TestData.Normal(tq + tk, 2L * tq * tk);
            var perBatch = TestData.Normal(tq + tk + 1, 2L * batch * tq * tk);
            Check(backend, new Case(batch, 2, 2, tq, tk, 8) { Causal = causal, Bias = perHead, Scale = 1 }, tq + 50);
            Check(backend, new Case(batch, 2, 2, tq, tk, 8) { Causal = causal, Bias = perBatch, BiasPerBatch = true, Scale = 0.2 }, tq + 51);
        }
    }

    [Fact]
    public void Cpu_is_bit_identical_for_one_and_two_threads_and_both_vector_widths()
    {
        var mask = new int[2 * 150];
        for (int j = 0; j < mask.Length; j++) mask[j] = j % 7 == 3 ? 0 : 1;
        foreach (var c in new[]
        {
            new Case(2, 4, 2, 150, 150, 64) { Causal = true, Mask = mask },
            new Case(2, 2, 1, 70, 150, 17) { Bias = TestData.Normal(5, 2 * 70 * 150) },
        })
        {
            var (q, k, v, dO) = Inputs(c, 60);
            var one = Run(TestBackends.CpuWithThreads(1), c, q, k, v, dO);
            var two = Run(TestBackends.CpuWithThreads(2), c, q, k, v, dO);
            var narrow = Run(TestBackends.CpuWithThreads(2), c, q, k, v, dO, cpu => (qt, kt, vt, ot, gt, o) => cpu.AttentionBackward(qt, kt, vt, ot, gt, o, false));
            var wide = Run(TestBackends.CpuWithThreads(2), c, q, k, v, dO, cpu => (qt, kt, vt, ot, gt, o) => cpu.AttentionBackward(qt, kt, vt, ot, gt, o, true));
            foreach (var (name, other) in new[] { ("2 threads", two), ("Vector256", narrow), ("Vector512", wide) })
            {
                AssertClose.BitIdentical(one.Query, other.Query, $"dQ, {name}");
                AssertClose.BitIdentical(one.Key, other.Key, $"dK, {name}");
                AssertClose.BitIdentical(one.Value, other.Value, $"dV, {name}");
            }
            Compare(AttentionBackwardReference.Backward(c, q, k, v, dO), one, Abs, Rel, $"{c}");
        }
    }

    [Fact]
    public void Ilgpu_refuses_head_dims_past_128()
    {
        var backend = TestBackends.Get("ilgpu-cpu");
        using var q = Tensor.Zeros(backend, new Shape(1, 1, 2, 130));
        var e = Assert.Throws<ArgumentException>(() => backend.AttentionBackward(q, q, q, q, q));
        Assert.Contains("[1, 1, 2, 130]", e.Message);
        Assert.Contains("128", e.Message);
    }

    // ---- bad calls ----------------------------------------------------------------------------------------

    [Theory, MemberData(nameof(Backends))]
    public void A_cache_is_refused(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        using var q = Tensor.Zeros(backend, new Shape(1, 2, 3, 4));
        using var cache = new KvCache(backend, 1, 2, capacity: 8, headDim: 4);
        var e = Assert.Throws<ArgumentException>(() => backend.AttentionBackward(q, q, q, q, q, new AttentionOptions { Cache = cache }));
        Assert.Contains("cache", e.Message);
        Assert.Contains("[1, 2, 3, 4]", e.Message);
    }

    [Theory, MemberData(nameof(Backends))]
    public void An_output_of_another_shape_is_refused(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        using var q = Tensor.Zeros(backend, new Shape(1, 2, 3, 4));
        using var o = Tensor.Zeros(backend, new Shape(1, 2, 4, 4));
        var e = Assert.Throws<ArgumentException>(() => backend.AttentionBackward(q, q, q, o, q));
        Assert.Contains("[1, 2, 4, 4]", e.Message);
        Assert.Contains("[1, 2, 3, 4]", e.Message);
    }

    [Theory, MemberData(nameof(Backends))]
    public void An_output_gradient_of_another_shape_is_refused(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        using var q = Tensor.Zeros(backend, new Shape(1, 2, 3, 4));
        using var g = Tensor.Zeros(backend, new Shape(1, 2, 3, 5));
        var e = Assert.Throws<ArgumentException>(() => backend.AttentionBackward(q, q, q, q, g));
        Assert.Contains("[1, 2, 3, 5]", e.Message);
        Assert.Contains("[1, 2, 3, 4]", e.Message);
    }

    [Theory, MemberData(nameof(Backends))]
    public void Keys_of_another_head_dim_are_refused(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        using var q = Tensor.Zeros(backend, new Shape(1, 2, 3, 4));
        using var k = Tensor.Zeros(backend, new Shape(1, 2, 3, 8));
        var e = Assert.Throws<ArgumentException>(() => backend.AttentionBackward(q, k, k, q, q));
        Assert.Contains("[1, 2, 3, 8]", e.Message);
        Assert.Contains("[1, 2, 3, 4]", e.Message);
    }

    // ---- helpers ------------------------------------------------------------------------------------------

    private delegate AttentionGradients BackwardCall(Tensor q, Tensor k, Tensor v, Tensor o, Tensor dO, AttentionOptions options);

    private static void Check(IBackend backend, Case c, int seed)
    {
        var (q, k, v, dO) = Inputs(c, seed);
        Compare(AttentionBackwardReference.Backward(c, q, k, v, dO), Run(backend, c, q, k, v, dO), Abs, Rel, $"{c}");
    }

    private static void Compare(ExpectedGradients expected, Computed got, double abs, double rel, string what)
    {
        AssertClose.Within(expected.Query, got.Query, abs, rel, $"dQ, {what}");
        AssertClose.Within(expected.Key, got.Key, abs, rel, $"dK, {what}");
        AssertClose.Within(expected.Value, got.Value, abs, rel, $"dV, {what}");
    }

    private sealed record Computed(float[] Query, float[] Key, float[] Value);

    private static (float[] Q, float[] K, float[] V, float[] GradOutput) Inputs(Case c, int seed, bool onGrid = false)
    {
        long qn = (long)c.Batch * c.QueryHeads * c.QueryLength * c.Dim, kn = (long)c.Batch * c.KvHeads * c.KeyLength * c.Dim;
        var q = TestData.Normal(seed, qn);
        var k = TestData.Normal(seed + 1, kn);
        var v = TestData.Normal(seed + 2, kn);
        var dO = TestData.Normal(seed + 3, qn);
        return onGrid ? (Grid(q), Grid(k), Grid(v), Grid(dO)) : (q, k, v, dO);
    }

    /// <summary>Rounds to multiples of 2^-8, so a finite-difference step of 2^-10 is exact in float.</summary>
    private static float[] Grid(float[] x) => Array.ConvertAll(x, a => MathF.Round(a * 256) / 256);

    private static Computed Run(IBackend backend, Case c, float[] q, float[] k, float[] v, float[] dO,
        Func<CpuBackend, BackwardCall>? call = null)
    {
        using var qt = Tensor.From(backend, q, c.Batch, c.QueryHeads, c.QueryLength, c.Dim);
        using var kt = Tensor.From(backend, k, c.Batch, c.KvHeads, c.KeyLength, c.Dim);
        using var vt = Tensor.From(backend, v, c.Batch, c.KvHeads, c.KeyLength, c.Dim);
        using var gt = Tensor.From(backend, dO, c.Batch, c.QueryHeads, c.QueryLength, c.Dim);
        using var mask = c.Mask is null ? null : Tensor.From(backend, c.Mask, c.Batch, c.KeyLength);
        using var bias = c.Bias is null ? null
            : c.BiasPerBatch ? Tensor.From(backend, c.Bias, c.Batch, c.QueryHeads, c.QueryLength, c.KeyLength)
            : Tensor.From(backend, c.Bias, c.QueryHeads, c.QueryLength, c.KeyLength);
        var options = new AttentionOptions
        {
            Causal = c.Causal, KeyPaddingMask = mask, Bias = bias, Scale = c.Scale is { } s ? (float)s : null,
        };
        using var ot = backend.Attention(qt, kt, vt, options);
        var g = call is null ? backend.AttentionBackward(qt, kt, vt, ot, gt, options) : call((CpuBackend)backend)(qt, kt, vt, ot, gt, options);
        try
        {
            return new Computed(g.Query.ToArray<float>(), g.Key.ToArray<float>(), g.Value.ToArray<float>());
        }
        finally
        {
            g.Query.Dispose();
            g.Key.Dispose();
            g.Value.Dispose();
        }
    }
}
