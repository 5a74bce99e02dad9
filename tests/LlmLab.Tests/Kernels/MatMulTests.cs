using LlmLab.Backends;
using LlmLab.Backends.Cpu;
using LlmLab.Tensors;
using LlmLab.Tests.Infrastructure;
using LlmLab.Tests.References;

namespace LlmLab.Tests.Kernels;

/// <summary>
/// MatMul against float64. Tolerance per element: |err| &lt;= 1e-5 * sum_k |a_ik b_kj| (+ |bias_j|) + 1e-6, i.e.
/// relative to the size of the products summed, which bounds a float32 sum of K terms in any order. The cpu
/// backend must also give the same bits on 1 and 2 threads and on its Vector256 and Vector512 micro-kernels.
/// </summary>
[Collection("backends")]
public class MatMulTests
{
    public static TheoryData<string> Backends => TestBackends.All;

    private const double Rel = 1e-5, Abs = 1e-6;

    /// <summary>(M, N, K): sizes 1, 3, 17, 64, 100, 1000 and shapes that cut tiles and k, column and row blocks.</summary>
    private static readonly (int M, int N, int K)[] CpuShapes =
    [
        (1, 1, 1), (3, 17, 5), (17, 3, 64), (64, 100, 17), (100, 64, 1000), (1000, 17, 3), (3, 1000, 100),
        (1, 1000, 1000), (1000, 1, 1000), (1000, 100, 64), (257, 300, 513), (3100, 40, 300),
    ];

    /// <summary>The simulator runs about 0.1 GFLOP/s: up to ~100, plus one shape over a 128 x 128 tile each way.</summary>
    private static readonly (int M, int N, int K)[] IlgpuShapes =
    [
        (1, 1, 1), (3, 17, 5), (17, 3, 64), (64, 100, 17), (100, 64, 100), (1, 100, 100), (100, 1, 33), (130, 129, 20),
    ];

    private static (int M, int N, int K)[] Shapes(string backend) => backend == "cpu" ? CpuShapes : IlgpuShapes;

    [Theory, MemberData(nameof(Backends))]
    public void Matches_float64_for_every_transpose_and_edge_size(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        int seed = 0;
        foreach (var (m, n, k) in Shapes(backendName))
            foreach (bool ta in new[] { false, true })
                foreach (bool tb in new[] { false, true })
                {
                    bool withBias = seed++ % 2 == 0;
                    Check(backend, 1, m, n, k, ta, tb, sharedB: true, withBias, seed, $"[{m}x{k}]x[{k}x{n}] ta={ta} tb={tb} bias={withBias}");
                }
    }

    [Theory, MemberData(nameof(Backends))]
    public void Batched_with_shared_and_per_batch_b(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        int seed = 100;
        foreach (bool shared in new[] { true, false })
            foreach (bool ta in new[] { false, true })
                foreach (bool tb in new[] { false, true })
                    Check(backend, 6, 17, 33, 40, ta, tb, shared, withBias: ta, seed++, $"batch 6 shared={shared} ta={ta} tb={tb}", batchDims: [2, 3]);
    }

    [Theory, MemberData(nameof(Backends))]
    public void An_empty_sum_gives_the_bias(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        using var a = Tensor.Zeros(backend, new Shape(3, 0));
        using var b = Tensor.Zeros(backend, new Shape(0, 5));
        using var bias = Tensor.From(backend, new[] { 1f, -2f, 3f, 0.5f, 7f }, 5);
        var c = backend.MatMul(a, b, bias: bias);
        Assert.Equal(new Shape(3, 5), c.Shape);
        Assert.Equal(Enumerable.Repeat(new[] { 1f, -2f, 3f, 0.5f, 7f }, 3).SelectMany(x => x).ToArray(), c.ToArray<float>());
    }

    [Fact]
    public void Cpu_gives_the_same_bits_on_one_and_two_threads()
    {
        var one = TestBackends.CpuWithThreads(1);
        var two = TestBackends.CpuWithThreads(2);
        // (1700, ...) spans two row blocks on one thread and one on each of two threads.
        foreach (var (m, n, k, tb) in new[] { (300, 700, 600, false), (2, 1000, 300, true), (1000, 5, 300, true), (64, 64, 64, false), (1700, 40, 300, true) })
        {
            var a = TestData.Uniform(m, (long)m * k);
            var b = TestData.Uniform(n, (long)k * n);
            var bias = TestData.Uniform(k, n);
            AssertClose.BitIdentical(Run(one, a, b, bias, m, n, k, tb), Run(two, a, b, bias, m, n, k, tb), $"{m}x{n}x{k}");
        }
    }

    [Fact]
    public void Cpu_decode_rows_give_the_bits_they_have_in_a_taller_product()
    {
        // Up to 4 rows against a weight stored [N, K] take Gemv (no packing); 13 rows take the blocked Gemm.
        var cpu = TestBackends.CpuWithThreads(2);
        const int Tall = 13;
        int seed = 500;
        foreach (var (n, k) in new[] { (1, 1), (15, 7), (16, 8), (17, 13), (33, 300), (1000, 768), (50, 2049) })
            foreach (bool tb in new[] { true, false })
                for (int m = 1; m <= 4; m++)
                {
                    var a = TestData.Normal(seed++, (long)Tall * k);
                    var b = TestData.Normal(seed++, (long)k * n);
                    var bias = TestData.Normal(seed++, n);
                    var tall = Run(cpu, a, b, bias, Tall, n, k, tb);
                    var few = Run(cpu, a[..(m * k)], b, bias, m, n, k, tb);
                    AssertClose.BitIdentical(tall[..(m * n)], few, $"{m} rows of [{n}, {k}] tb={tb}");
                }
    }

    [Fact]
    public void Cpu_decode_rows_against_per_batch_weights_give_each_batch_its_own_bits()
    {
        var cpu = TestBackends.CpuWithThreads(2);
        const int Batch = 3, M = 2, N = 40, K = 37, Tall = 13;
        var a = TestData.Normal(1, Batch * M * K);
        var b = TestData.Normal(2, Batch * N * K);
        using var ta = Tensor.From(cpu, a, Batch, M, K);
        using var tb = Tensor.From(cpu, b, Batch, N, K);
        using var batched = cpu.MatMul(ta, tb, transposeB: true);
        var c = batched.ToArray<float>();
        var zeros = new float[N];
        for (int i = 0; i < Batch; i++)
        {
            // Batch i's rows on top of a 13-row A, so that the blocked Gemm computes them.
            var tall = new float[Tall * K];
            Array.Copy(a, i * M * K, tall, 0, M * K);
            var expected = Run(cpu, tall, b[(i * N * K)..((i + 1) * N * K)], zeros, Tall, N, K, tb: true);
            AssertClose.BitIdentical(expected[..(M * N)], c[(i * M * N)..((i + 1) * M * N)], $"batch {i}");
        }
    }

    [Fact]
    public void Cpu_vector256_and_vector512_kernels_give_the_same_bits()
    {
        var wide = new CpuBackend(2);
        var narrow = new CpuBackend(2) { MatMulVector256 = true };
        foreach (var (m, n, k, tb) in new[] { (300, 700, 600, false), (13, 100, 1000, true), (1000, 3, 50, false), (7, 33, 5, true) })
        {
            var a = TestData.Normal(m, (long)m * k);
            var b = TestData.Normal(n, (long)k * n);
            var bias = TestData.Normal(k, n);
            AssertClose.BitIdentical(Run(wide, a, b, bias, m, n, k, tb), Run(narrow, a, b, bias, m, n, k, tb), $"{m}x{n}x{k}");
        }
    }

    [Theory, MemberData(nameof(Backends))]
    public void Inner_dimensions_that_differ_are_named(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        using var a = Tensor.Zeros(backend, new Shape(2, 3));
        using var b = Tensor.Zeros(backend, new Shape(4, 5));
        var e = Assert.Throws<ArgumentException>(() => backend.MatMul(a, b));
        Assert.Contains("[2, 3]", e.Message);
        Assert.Contains("[4, 5]", e.Message);
        // transposed, the same tensors fit: [2, 3]^T is [3, 2]... but b [4, 5] still does not
        e = Assert.Throws<ArgumentException>(() => backend.MatMul(a, b, transposeA: true, transposeB: true));
        Assert.Contains("[2, 3] (transposed)", e.Message);
    }

    [Theory, MemberData(nameof(Backends))]
    public void Batch_dimensions_that_differ_are_named(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        using var a = Tensor.Zeros(backend, new Shape(2, 4, 3));
        using var b = Tensor.Zeros(backend, new Shape(3, 3, 5));
        var e = Assert.Throws<ArgumentException>(() => backend.MatMul(a, b));
        Assert.Contains("[2, 4, 3]", e.Message);
        Assert.Contains("[3, 3, 5]", e.Message);
    }

    [Theory, MemberData(nameof(Backends))]
    public void A_bias_of_the_wrong_size_is_named(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        using var a = Tensor.Zeros(backend, new Shape(2, 3));
        using var b = Tensor.Zeros(backend, new Shape(3, 5));
        using var bias = Tensor.Zeros(backend, new Shape(4));
        var e = Assert.Throws<ArgumentException>(() => backend.MatMul(a, b, bias: bias));
        Assert.Contains("[4]", e.Message);
        Assert.Contains("[5]", e.Message);
    }

    [Theory, MemberData(nameof(Backends))]
    public void A_vector_is_refused_with_its_shape(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        using var a = Tensor.Zeros(backend, new Shape(3));
        using var b = Tensor.Zeros(backend, new Shape(3, 5));
        var e = Assert.Throws<ArgumentException>(() => backend.MatMul(a, b));
        Assert.Contains("rank 2", e.Message);
        Assert.Contains("[3]", e.Message);
    }

    [Theory, MemberData(nameof(Backends))]
    public void A_dtype_the_op_does_not_take_is_refused(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        using var a = Tensor.From(backend, new[] { 1, 2, 3, 4 }, 2, 2);
        using var b = Tensor.Zeros(backend, new Shape(2, 2));
        var e = Assert.Throws<ArgumentException>(() => backend.MatMul(a, b));
        Assert.Contains("i32", e.Message);
        Assert.Contains("[2, 2]", e.Message);
    }

    private static void Check(IBackend backend, int batch, int m, int n, int k, bool ta, bool tb, bool sharedB, bool withBias, int seed,
        string what, int[]? batchDims = null)
    {
        batchDims ??= [];
        var a = TestData.Uniform(seed, (long)batch * m * k, 2f);
        var b = TestData.Normal(seed + 7, (sharedB ? 1L : batch) * k * n);
        var bias = withBias ? TestData.Uniform(seed + 13, n) : null;
        using var ta_ = Tensor.From(backend, a, [.. batchDims, ta ? k : m, ta ? m : k]);
        using var tb_ = Tensor.From(backend, b, sharedB ? [tb ? n : k, tb ? k : n] : [.. batchDims, tb ? n : k, tb ? k : n]);
        using var tbias = bias is null ? null : Tensor.From(backend, bias, n);
        using var c = backend.MatMul(ta_, tb_, ta, tb, tbias);
        Assert.Equal(new Shape([.. batchDims, m, n]), c.Shape);
        var (expected, magnitude) = MatMulReference.MatMul(a, b, bias, batch, m, n, k, ta, tb, sharedB);
        MatMulReference.AssertWithin(expected, magnitude, c.ToArray<float>(), Rel, Abs, $"{backend.Name} {what}");
    }

    private static float[] Run(IBackend backend, float[] a, float[] b, float[] bias, int m, int n, int k, bool tb)
    {
        using var ta = Tensor.From(backend, a, m, k);
        using var tb_ = Tensor.From(backend, b, tb ? new[] { n, k } : new[] { k, n });
        using var tbias = Tensor.From(backend, bias, n);
        using var c = backend.MatMul(ta, tb_, transposeB: tb, bias: tbias);
        return c.ToArray<float>();
    }
}
