using LlmLab.Backends;
using LlmLab.Backends.Cpu;
using LlmLab.Tensors;
using LlmLab.Tests.Infrastructure;
using LlmLab.Tests.References;

namespace LlmLab.Tests.Kernels;

/// <summary>
/// A weight stored in the inference layout (<see cref="IBackend.Interleave"/>): products against float64, the bits
/// of <see cref="IBackend.MatMul"/> on the weight stored [out, in] (decode rows and prefill, 1 and 2 threads, both
/// micro-kernels), lookups equal to <see cref="IBackend.Embedding"/>, and the weight back exactly.
/// </summary>
[Collection("backends")]
public class InterleavedTests
{
    public static TheoryData<string> Backends => TestBackends.All;

    /// <summary>(N, K): one panel and less, cut panels, k below and past a vector, and a wide head.</summary>
    private static readonly (int N, int K)[] Shapes = [(1, 1), (15, 7), (16, 8), (17, 13), (33, 300), (50, 65)];

    [Theory, MemberData(nameof(Backends))]
    public void Products_match_float64(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        int seed = 1;
        foreach (var (n, k) in Shapes)
            foreach (int m in new[] { 1, 3, 5, 13 })
            {
                var a = TestData.Normal(seed++, (long)m * k);
                var w = TestData.Normal(seed++, (long)n * k);
                var bias = TestData.Normal(seed++, n);
                var c = Product(backend, a, w, bias, m, n, k);
                var (expected, magnitude) = MatMulReference.MatMul(a, w, bias, 1, m, n, k, transposeA: false, transposeB: true, sharedB: true);
                MatMulReference.AssertWithin(expected, magnitude, c, 1e-5, 1e-6, $"{backendName} {m} rows of [{n}, {k}]");
            }
    }

    [Theory, MemberData(nameof(Backends))]
    public void Products_give_the_bits_of_the_plain_matmul(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        int seed = 100;
        foreach (var (n, k) in Shapes)
            for (int m = 1; m <= 13; m += backendName == "cpu" ? 1 : 4)
            {
                var a = TestData.Normal(seed++, (long)m * k);
                var w = TestData.Normal(seed++, (long)n * k);
                var bias = m % 2 == 0 ? null : TestData.Normal(seed++, n);
                AssertClose.BitIdentical(Plain(backend, a, w, bias, m, n, k), Product(backend, a, w, bias, m, n, k), $"{backendName} {m} rows of [{n}, {k}]");
            }
    }

    [Fact]
    public void Cpu_products_give_the_same_bits_on_one_and_two_threads_and_both_kernels()
    {
        var reference = TestBackends.CpuWithThreads(1);
        var others = new[] { new CpuBackend(2), new CpuBackend(2) { MatMulVector256 = true } };
        foreach (var (m, n, k) in new[] { (1, 1000, 768), (4, 50, 2049), (128, 600, 300), (7, 33, 5) })
        {
            var a = TestData.Normal(m, (long)m * k);
            var w = TestData.Normal(n, (long)n * k);
            var bias = TestData.Normal(k, n);
            var expected = Plain(reference, a, w, bias, m, n, k);
            AssertClose.BitIdentical(expected, Product(reference, a, w, bias, m, n, k), $"{m}x{n}x{k}, 1 thread");
            foreach (var backend in others)
                AssertClose.BitIdentical(expected, Product(backend, a, w, bias, m, n, k), $"{m}x{n}x{k}, 2 threads, vector256 {backend.MatMulVector256}");
        }
    }

    [Theory, MemberData(nameof(Backends))]
    public void Lookups_and_the_weight_come_back_exactly(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        foreach (var (n, k) in Shapes)
        {
            var w = TestData.Normal(n + k, (long)n * k);
            using var table = Tensor.From(backend, w, n, k);
            using var interleaved = backend.Interleave(table);
            Assert.Equal(table.Shape, interleaved.Shape);
            using var back = backend.Deinterleave(interleaved);
            AssertClose.BitIdentical(w, back.ToArray<float>(), $"[{n}, {k}] back");
            using var ids = Tensor.From(backend, new[] { n - 1, 0, n / 2, n - 1 }, 2, 2);
            using var expected = backend.Embedding(table, ids);
            using var rows = backend.EmbeddingInterleaved(interleaved, ids);
            Assert.Equal(expected.Shape, rows.Shape);
            AssertClose.BitIdentical(expected.ToArray<float>(), rows.ToArray<float>(), $"[{n}, {k}] rows");
        }
    }

    [Theory, MemberData(nameof(Backends))]
    public void Bad_inputs_are_named(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        using var table = Tensor.Zeros(backend, new Shape(4, 3));
        using var interleaved = backend.Interleave(table);
        using var x = Tensor.Zeros(backend, new Shape(2, 5));
        var e = Assert.Throws<ArgumentException>(() => backend.MatMulInterleaved(x, interleaved));
        Assert.Contains("[2, 5]", e.Message);
        Assert.Contains("[4, 3]", e.Message);
        using var ids = Tensor.From(backend, new[] { 4 }, 1);
        e = Assert.Throws<ArgumentException>(() => backend.EmbeddingInterleaved(interleaved, ids));
        Assert.Contains("4", e.Message);
        using var vector = Tensor.Zeros(backend, new Shape(3));
        e = Assert.Throws<ArgumentException>(() => backend.Interleave(vector));
        Assert.Contains("[3]", e.Message);
    }

    private static float[] Plain(IBackend backend, float[] a, float[] w, float[]? bias, int m, int n, int k)
    {
        using var ta = Tensor.From(backend, a, m, k);
        using var tw = Tensor.From(backend, w, n, k);
        using var tbias = bias is null ? null : Tensor.From(backend, bias, n);
        using var c = backend.MatMul(ta, tw, transposeB: true, bias: tbias);
        return c.ToArray<float>();
    }

    private static float[] Product(IBackend backend, float[] a, float[] w, float[]? bias, int m, int n, int k)
    {
        using var ta = Tensor.From(backend, a, m, k);
        using var tw = Tensor.From(backend, w, n, k);
        using var interleaved = backend.Interleave(tw);
        using var tbias = bias is null ? null : Tensor.From(backend, bias, n);
        using var c = backend.MatMulInterleaved(ta, interleaved, tbias);
        return c.ToArray<float>();
    }
}
