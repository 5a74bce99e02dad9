using LlmLab.Backends;
using LlmLab.Backends.Cpu;
using LlmLab.Backends.Ilgpu;
using LlmLab.Tensors;
using LlmLab.Tests.Infrastructure;
using LlmLab.Tests.References;
using Case = LlmLab.Tests.References.AttentionReference.Case;

namespace LlmLab.Tests.Kernels;

/// <summary>
/// Fused attention against the float64 reference (plain softmax over explicitly masked scores). Inputs are
/// standard normal. Tolerance: 2e-5 absolute + 1e-4 relative on every output (the online softmax rescales and the
/// managed / ex2 exponentials stay within a few ulp; outputs are weighted means of unit-scale values). KV-cache
/// steps against one full causal pass on the same backend: the same tolerance. cpu: both score paths (packed K^T
/// panels for prefill, dot products for decode), bit-identical for 1 and 2 threads and for Vector256 and
/// Vector512. ilgpu-cpu: the tiled kernel (D &lt;= 64) through the shared tests, the wide tiled kernel
/// (65..128), the warp-per-row kernel (up to 256) and forced key splits in their own tests.
/// </summary>
[Collection("backends")]
public class AttentionTests
{
    public static TheoryData<string> Backends => TestBackends.All;
    private const double Abs = 2e-5, Rel = 1e-4;

    [Theory, MemberData(nameof(Backends))]
    public void Matches_float64_across_lengths_and_head_dims(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        bool simulator = backendName == "ilgpu-cpu";
        foreach (int t in new[] { 1, 3, 17, 64, 100 })
            foreach (int d in new[] { 8, 17, 64 })
                foreach (bool causal in new[] { false, true })
                {
                    if (simulator && d == 17 && t > 17) continue; // the simulator is slow; 17 only at small T
                    var c = new Case(simulator ? 1 : 2, 2, 2, t, t, d) { Causal = causal };
                    Check(backend, c, seed: t * 100 + d, $"T={t} D={d} causal={causal}");
                }
        if (!simulator)
        {
            Check(backend, new Case(1, 1, 1, 1000, 1000, 64) { Causal = true }, 5, "T=1000 causal");
            Check(backend, new Case(1, 2, 2, 70, 70, 96), 6, "D=96");
        }
    }

    [Theory, MemberData(nameof(Backends))]
    public void Grouped_query_heads_read_their_kv_head(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        foreach (int kvHeads in new[] { 2, 1 })
            foreach (int t in new[] { 17, 64 })
                foreach (bool causal in new[] { false, true })
                    Check(backend, new Case(1, 4, kvHeads, t, t, 16) { Causal = causal }, kvHeads * 10 + t, $"Hkv={kvHeads} T={t} causal={causal}");
    }

    [Theory, MemberData(nameof(Backends))]
    public void Key_padding_mask_hides_keys(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        foreach (int t in new[] { 17, 70 })
        {
            var mask = new int[2 * t];
            for (int j = 0; j < t; j++) mask[j] = j < 5 ? 0 : 1;                     // left padding
            var coin = TestData.Integers(t, t, 0, 3);
            for (int j = 0; j < t; j++) mask[t + j] = coin[j] == 0 ? 0 : 7;          // scattered holes; any non-zero attends
            foreach (bool causal in new[] { false, true })
                Check(backend, new Case(2, 2, 1, t, t, 8) { Causal = causal, Mask = mask }, t, $"T={t} causal={causal}");
        }
    }

    [Theory, MemberData(nameof(Backends))]
    public void Bias_of_both_shapes_and_a_scale_override(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        foreach ((int tq, int tk, bool causal) in new[] { (17, 17, false), (17, 17, true), (5, 70, false), (70, 70, true) })
        {
            if (backendName == "ilgpu-cpu" && tq == 17 && !causal) continue; // keep the simulator's share short
            var perHead = TestData.Normal(tq + tk, 2L * tq * tk, 2);
            var perBatch = TestData.Normal(tq + tk + 1, 2L * 2 * tq * tk, 2);
            Check(backend, new Case(2, 2, 2, tq, tk, 8) { Causal = causal, Bias = perHead, Scale = 1 }, tq, $"[H, Tq, Tk] bias, scale 1, Tq={tq} Tk={tk}");
            Check(backend, new Case(2, 2, 2, tq, tk, 8) { Causal = causal, Bias = perBatch, BiasPerBatch = true, Scale = 0.3 }, tk,
                $"[B, H, Tq, Tk] bias, scale 0.3, Tq={tq} Tk={tk}");
        }
    }

    [Theory, MemberData(nameof(Backends))]
    public void Fewer_queries_than_keys_sit_at_the_last_positions(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        int batch = backendName == "ilgpu-cpu" ? 1 : 2;
        foreach ((int tq, int tk) in new[] { (1, 200), (3, 100), (17, 130) })
            foreach (bool causal in new[] { false, true })
                Check(backend, new Case(batch, 4, 2, tq, tk, 64) { Causal = causal }, tq * tk, $"Tq={tq} Tk={tk} causal={causal}");
    }

    [Theory, MemberData(nameof(Backends))]
    public void Kv_cache_step_by_step_matches_one_causal_pass(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        const int heads = 4, kvHeads = 2, total = 20, dim = 16;
        int batch = backendName == "ilgpu-cpu" ? 1 : 2;
        var all = new Case(batch, heads, kvHeads, total, total, dim) { Causal = true };
        var (q, k, v) = Inputs(all, 11);
        var full = Run(backend, all, q, k, v);
        AssertClose.Within(AttentionReference.Attention(all, q, k, v), full, Abs, Rel, "full pass");

        using var cache = new KvCache(backend, batch, kvHeads, capacity: 24, dim);
        int done = 0;
        foreach (int step in new[] { 7, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 3 })
        {
            var stepCase = new Case(batch, heads, kvHeads, step, step, dim) { Causal = true };
            var got = Run(backend, stepCase, Rows(q, batch * heads, total, done, step, dim), Rows(k, batch * kvHeads, total, done, step, dim),
                Rows(v, batch * kvHeads, total, done, step, dim), cache);
            AssertClose.Within(TestData.ToDouble(Rows(full, batch * heads, total, done, step, dim)), got, Abs, Rel, $"positions {done}..{done + step - 1}");
            done += step;
            Assert.Equal(done, cache.Length);
        }
        var cachedKeys = cache.Keys.ToArray<float>();
        for (int head = 0; head < batch * kvHeads; head++)
            Assert.Equal(k.AsSpan(head * total * dim, total * dim).ToArray(), cachedKeys.AsSpan(head * 24 * dim, total * dim).ToArray());
    }

    [Theory, MemberData(nameof(Backends))]
    public void A_query_that_sees_no_key_gives_zeros(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        var mask = new int[2 * 9];
        for (int j = 0; j < 9; j++) mask[j] = 1; // batch 1 is all padding
        var masked = new Case(2, 2, 2, 9, 9, 8) { Mask = mask };
        var (q, k, v) = Inputs(masked, 3);
        var got = Run(backend, masked, q, k, v);
        Assert.All(got.AsSpan(got.Length / 2).ToArray(), x => Assert.Equal(0f, x));
        AssertClose.Within(AttentionReference.Attention(masked, q, k, v), got, Abs, Rel, "batch 1 fully padded");

        // Causal with more queries than keys: queries 0 and 1 sit before the first key.
        var early = new Case(1, 2, 2, 5, 3, 8) { Causal = true };
        (q, k, v) = Inputs(early, 4);
        got = Run(backend, early, q, k, v);
        Assert.All(got.AsSpan(0, 2 * 8).ToArray(), x => Assert.Equal(0f, x));
        AssertClose.Within(AttentionReference.Attention(early, q, k, v), got, Abs, Rel, "Tq > Tk causal");

        using var empty = Tensor.Zeros(backend, new Shape(1, 2, 0, 8));
        using var query = Tensor.From(backend, q.AsSpan(0, 2 * 8).ToArray(), 1, 2, 1, 8);
        Assert.Equal(new float[16], backend.Attention(query, empty, empty).ToArray<float>());
    }

    [Fact]
    public void Cpu_gives_the_same_bits_on_one_and_two_threads()
    {
        var one = TestBackends.CpuWithThreads(1);
        var two = TestBackends.CpuWithThreads(2);
        foreach (var c in DeterminismCases())
        {
            var (q, k, v) = Inputs(c, 21);
            AssertClose.BitIdentical(Run(one, c, q, k, v), Run(two, c, q, k, v), $"Tq={c.QueryLength} Tk={c.KeyLength}");
        }
    }

    [Fact]
    public void Cpu_gives_the_same_bits_with_Vector256_and_Vector512()
    {
        var cpu = (CpuBackend)TestBackends.Get("cpu");
        foreach (var c in DeterminismCases())
        {
            var (q, k, v) = Inputs(c, 22);
            var narrow = RunWith(cpu, c, q, k, v, (qt, kt, vt, o) => cpu.Attention(qt, kt, vt, o, useVector512: false));
            var wide = RunWith(cpu, c, q, k, v, (qt, kt, vt, o) => cpu.Attention(qt, kt, vt, o, useVector512: true));
            AssertClose.BitIdentical(narrow, wide, $"Tq={c.QueryLength} Tk={c.KeyLength} D={c.Dim}");
        }
    }

    [Fact]
    public void Ilgpu_row_kernel_matches_float64()
    {
        var backend = (IlgpuBackend)TestBackends.Get("ilgpu-cpu");
        var mask = new int[2 * 40];
        for (int j = 0; j < mask.Length; j++) mask[j] = j % 7 == 3 ? 0 : 1;
        var cases = new[]
        {
            new Case(1, 2, 1, 17, 17, 128) { Causal = true },
            new Case(2, 2, 2, 3, 40, 80) { Causal = true, Mask = mask },
            new Case(1, 2, 2, 5, 33, 17) { Bias = TestData.Normal(9, 2 * 5 * 33), Scale = 1 },
        };
        foreach (var c in cases)
        {
            var (q, k, v) = Inputs(c, c.Dim);
            var got = RunWith(backend, c, q, k, v, (qt, kt, vt, o) => backend.Attention(qt, kt, vt, o, IlgpuBackend.AttentionKernelChoice.Rows));
            AssertClose.Within(AttentionReference.Attention(c, q, k, v), got, Abs, Rel, $"rows kernel D={c.Dim}");
        }
    }

    [Fact]
    public void Ilgpu_wide_tile_kernel_matches_float64()
    {
        var backend = TestBackends.Get("ilgpu-cpu"); // head dims 65..128 take the wide tiled kernel
        var mask = new int[2 * 100];
        for (int j = 0; j < mask.Length; j++) mask[j] = j % 9 == 2 ? 0 : 1;
        var cases = new[]
        {
            new Case(1, 2, 1, 70, 70, 128) { Causal = true },
            new Case(2, 1, 1, 3, 100, 80) { Causal = true, Mask = mask, Bias = TestData.Normal(10, 2 * 3 * 100), BiasPerBatch = true },
            new Case(1, 2, 2, 1, 40, 65),
        };
        foreach (var c in cases)
        {
            var (q, k, v) = Inputs(c, c.Dim + 1);
            AssertClose.Within(AttentionReference.Attention(c, q, k, v), Run(backend, c, q, k, v), Abs, Rel, $"wide tiles D={c.Dim}");
        }
    }

    [Fact]
    public void Ilgpu_key_splits_merge_to_the_same_answer()
    {
        // Split-K (flash-decoding): groups take a share of the key tiles and a combine pass merges them. Causal
        // query tiles that end before a split's keys leave that split empty (m = -infinity, l = 0).
        var backend = (IlgpuBackend)TestBackends.Get("ilgpu-cpu");
        var mask = new int[2 * 200];
        for (int j = 0; j < mask.Length; j++) mask[j] = j % 6 == 0 ? 0 : 1;
        var cases = new (Case Case, IlgpuBackend.AttentionKernelChoice Kernel, int Splits)[]
        {
            (new Case(2, 2, 1, 1, 200, 64) { Causal = true, Mask = mask }, IlgpuBackend.AttentionKernelChoice.Tiles, 3),
            (new Case(1, 1, 1, 70, 200, 24) { Causal = true, Bias = TestData.Normal(13, 70 * 200) }, IlgpuBackend.AttentionKernelChoice.Tiles, 4),
            (new Case(1, 2, 2, 2, 150, 96) { Causal = true }, IlgpuBackend.AttentionKernelChoice.WideTiles, 2),
        };
        foreach (var (c, kernel, splits) in cases)
        {
            var (q, k, v) = Inputs(c, c.Dim + 3);
            var got = RunWith(backend, c, q, k, v, (qt, kt, vt, o) => backend.Attention(qt, kt, vt, o, kernel, splits));
            AssertClose.Within(AttentionReference.Attention(c, q, k, v), got, Abs, Rel, $"{kernel}, {splits} key splits, Tq={c.QueryLength} Tk={c.KeyLength}");
        }
    }

    [Fact]
    public void Ilgpu_refuses_head_dims_past_256()
    {
        var backend = TestBackends.Get("ilgpu-cpu");
        using var q = Tensor.Zeros(backend, new Shape(1, 1, 2, 260));
        var e = Assert.Throws<ArgumentException>(() => backend.Attention(q, q, q));
        Assert.Contains("[1, 1, 2, 260]", e.Message);
        Assert.Contains("256", e.Message);
    }

    // ---- bad calls ----------------------------------------------------------------------------------------

    [Theory, MemberData(nameof(Backends))]
    public void A_query_that_is_not_rank_4_is_refused(string backendName) =>
        Refused(backendName, [2, 3, 4], [2, 3, 4, 8], [2, 3, 4, 8], null, "[2, 3, 4]");

    [Theory, MemberData(nameof(Backends))]
    public void Head_dims_that_differ_are_refused(string backendName) =>
        Refused(backendName, [1, 2, 3, 8], [1, 2, 3, 4], [1, 2, 3, 4], null, "[1, 2, 3, 8]", "[1, 2, 3, 4]");

    [Theory, MemberData(nameof(Backends))]
    public void Query_heads_not_a_multiple_of_kv_heads_are_refused(string backendName) =>
        Refused(backendName, [1, 3, 3, 8], [1, 2, 3, 8], [1, 2, 3, 8], null, "[1, 3, 3, 8]", "[1, 2, 3, 8]");

    [Theory, MemberData(nameof(Backends))]
    public void Key_and_value_of_different_shapes_are_refused(string backendName) =>
        Refused(backendName, [1, 2, 3, 8], [1, 2, 3, 8], [1, 2, 4, 8], null, "[1, 2, 3, 8]", "[1, 2, 4, 8]");

    [Theory, MemberData(nameof(Backends))]
    public void Batch_sizes_that_differ_are_refused(string backendName) =>
        Refused(backendName, [2, 2, 3, 8], [1, 2, 3, 8], [1, 2, 3, 8], null, "[2, 2, 3, 8]", "[1, 2, 3, 8]");

    [Theory, MemberData(nameof(Backends))]
    public void A_mask_of_the_wrong_shape_is_refused(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        using var mask = Tensor.Zeros(backend, new Shape(2, 4), DType.I32);
        Refused(backendName, [2, 2, 3, 8], [2, 2, 3, 8], [2, 2, 3, 8], new AttentionOptions { KeyPaddingMask = mask }, "[2, 4]", "[2, 3]");
    }

    [Theory, MemberData(nameof(Backends))]
    public void A_mask_that_is_not_i32_is_refused(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        using var mask = Tensor.Zeros(backend, new Shape(2, 3));
        Refused(backendName, [2, 2, 3, 8], [2, 2, 3, 8], [2, 2, 3, 8], new AttentionOptions { KeyPaddingMask = mask }, "f32 [2, 3]", "i32");
    }

    [Theory, MemberData(nameof(Backends))]
    public void A_bias_of_the_wrong_shape_is_refused(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        using var bias = Tensor.Zeros(backend, new Shape(2, 3, 4));
        Refused(backendName, [1, 2, 3, 8], [1, 2, 5, 8], [1, 2, 5, 8], new AttentionOptions { Bias = bias }, "[2, 3, 4]", "[2, 3, 5]", "[1, 2, 3, 5]");
    }

    [Theory, MemberData(nameof(Backends))]
    public void A_query_that_is_not_f32_is_refused(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        using var q = Tensor.Zeros(backend, new Shape(1, 1, 2, 4), DType.I32);
        using var k = Tensor.Zeros(backend, new Shape(1, 1, 2, 4));
        var e = Assert.Throws<ArgumentException>(() => backend.Attention(q, k, k));
        Assert.Contains("i32", e.Message);
        Assert.Contains("[1, 1, 2, 4]", e.Message);
    }

    [Theory, MemberData(nameof(Backends))]
    public void A_cache_of_another_batch_is_refused(string backendName) => CacheRefused(backendName, new KvCacheShape(3, 2, 8, 4), "[3, 2, 8, 4]", "batch");

    [Theory, MemberData(nameof(Backends))]
    public void A_cache_of_other_kv_heads_is_refused(string backendName) => CacheRefused(backendName, new KvCacheShape(1, 4, 8, 4), "[1, 4, 8, 4]", "kv head");

    [Theory, MemberData(nameof(Backends))]
    public void A_cache_of_another_head_dim_is_refused(string backendName) => CacheRefused(backendName, new KvCacheShape(1, 2, 8, 6), "[1, 2, 8, 6]", "head dim");

    [Theory, MemberData(nameof(Backends))]
    public void A_cache_overflow_is_refused_and_leaves_the_cache_as_it_was(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        using var cache = new KvCache(backend, 1, 2, capacity: 8, headDim: 4);
        using var first = Tensor.From(backend, TestData.Normal(1, 2 * 6 * 4), 1, 2, 6, 4);
        using var q1 = Tensor.From(backend, TestData.Normal(2, 2 * 6 * 4), 1, 2, 6, 4);
        backend.Attention(q1, first, first, new AttentionOptions { Cache = cache, Causal = true }).Dispose();
        var before = cache.Keys.ToArray<float>();
        using var more = Tensor.Zeros(backend, new Shape(1, 2, 3, 4));
        var e = Assert.Throws<ArgumentException>(() => backend.Attention(more, more, more, new AttentionOptions { Cache = cache, Causal = true }));
        Assert.Contains("[1, 2, 8, 4]", e.Message);
        Assert.Contains("[1, 2, 3, 4]", e.Message);
        Assert.Contains("holds 8", e.Message);
        Assert.Equal(6, cache.Length);
        Assert.Equal(before, cache.Keys.ToArray<float>());
    }

    // ---- helpers ------------------------------------------------------------------------------------------

    private record KvCacheShape(int Batch, int KvHeads, int Capacity, int Dim);

    private static void CacheRefused(string backendName, KvCacheShape c, string cacheShape, string what)
    {
        var backend = TestBackends.Get(backendName);
        using var cache = new KvCache(backend, c.Batch, c.KvHeads, c.Capacity, c.Dim);
        Refused(backendName, [1, 2, 1, 4], [1, 2, 1, 4], [1, 2, 1, 4], new AttentionOptions { Cache = cache }, cacheShape, "[1, 2, 1, 4]", what);
        Assert.Equal(0, cache.Length);
    }

    private static void Refused(string backendName, int[] qShape, int[] kShape, int[] vShape, AttentionOptions? options, params string[] named)
    {
        var backend = TestBackends.Get(backendName);
        using var q = Tensor.Zeros(backend, new Shape(qShape));
        using var k = Tensor.Zeros(backend, new Shape(kShape));
        using var v = Tensor.Zeros(backend, new Shape(vShape));
        var e = Assert.Throws<ArgumentException>(() => backend.Attention(q, k, v, options));
        foreach (string s in named) Assert.Contains(s, e.Message);
    }

    private static IEnumerable<Case> DeterminismCases()
    {
        var mask = new int[2 * 150];
        for (int j = 0; j < mask.Length; j++) mask[j] = j % 11 == 4 ? 0 : 1;
        yield return new Case(2, 4, 2, 150, 150, 64) { Causal = true, Mask = mask, Bias = TestData.Normal(8, 4L * 150 * 150) }; // packed K^T panels
        yield return new Case(2, 4, 4, 1, 150, 17) { Causal = true, Mask = mask };                                        // decode: dot products
        yield return new Case(1, 3, 3, 37, 37, 40);
    }

    private static void Check(IBackend backend, Case c, int seed, string what)
    {
        var (q, k, v) = Inputs(c, seed);
        AssertClose.Within(AttentionReference.Attention(c, q, k, v), Run(backend, c, q, k, v), Abs, Rel, what);
    }

    private static (float[] Q, float[] K, float[] V) Inputs(Case c, int seed) => (
        TestData.Normal(seed, (long)c.Batch * c.QueryHeads * c.QueryLength * c.Dim),
        TestData.Normal(seed + 1, (long)c.Batch * c.KvHeads * c.KeyLength * c.Dim),
        TestData.Normal(seed + 2, (long)c.Batch * c.KvHeads * c.KeyLength * c.Dim));

    private static float[] Run(IBackend backend, Case c, float[] q, float[] k, float[] v, KvCache? cache = null) =>
        RunWith(backend, c, q, k, v, (qt, kt, vt, o) => backend.Attention(qt, kt, vt, o), cache);

    private static float[] RunWith(IBackend backend, Case c, float[] q, float[] k, float[] v,
        Func<Tensor, Tensor, Tensor, AttentionOptions, Tensor> attention, KvCache? cache = null)
    {
        using var qt = Tensor.From(backend, q, c.Batch, c.QueryHeads, c.QueryLength, c.Dim);
        using var kt = Tensor.From(backend, k, c.Batch, c.KvHeads, c.KeyLength, c.Dim);
        using var vt = Tensor.From(backend, v, c.Batch, c.KvHeads, c.KeyLength, c.Dim);
        int totalKeys = (cache?.Length ?? 0) + c.KeyLength;
        using var mask = c.Mask is null ? null : Tensor.From(backend, c.Mask, c.Batch, totalKeys);
        using var bias = c.Bias is null ? null
            : c.BiasPerBatch ? Tensor.From(backend, c.Bias, c.Batch, c.QueryHeads, c.QueryLength, totalKeys)
            : Tensor.From(backend, c.Bias, c.QueryHeads, c.QueryLength, totalKeys);
        var options = new AttentionOptions { Causal = c.Causal, KeyPaddingMask = mask, Bias = bias, Scale = (float?)c.Scale, Cache = cache };
        using var y = attention(qt, kt, vt, options);
        Assert.Equal(new Shape(c.Batch, c.QueryHeads, c.QueryLength, c.Dim), y.Shape);
        return y.ToArray<float>();
    }

    /// <summary>Positions [start, start + count) of every head of x [heads, length, dim].</summary>
    private static float[] Rows(float[] x, int heads, int length, int start, int count, int dim)
    {
        var y = new float[heads * count * dim];
        for (int h = 0; h < heads; h++)
            Array.Copy(x, (h * length + start) * dim, y, h * count * dim, count * dim);
        return y;
    }
}
