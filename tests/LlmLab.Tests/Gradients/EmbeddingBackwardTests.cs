using LlmLab.Tensors;
using LlmLab.Tests.Infrastructure;
using LlmLab.Tests.References;

namespace LlmLab.Tests.Gradients;

/// <summary>
/// Embedding backward: row v of the [vocab, dim] gradient sums the gradOutput rows whose id is v (repeated ids
/// included, rows no id names stay 0), i32 and i64 ids. Tolerance 1e-6 absolute + 1e-6 relative against float64
/// (a few f32 additions), and against a finite difference of the float64 forward in the table (tiny shapes).
/// </summary>
[Collection("backends")]
public class EmbeddingBackwardTests
{
    public static TheoryData<string> Backends => TestBackends.All;

    [Theory, MemberData(nameof(Backends))]
    public void Gradient_matches_a_float64_finite_difference_in_the_table(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        foreach (var (vocab, dim, ids) in new[] { (1, 1, new[] { 0 }), (4, 3, new[] { 2, 0, 2, 2 }), (5, 17, new[] { 4, 1, 1, 3, 1, 0 }) })
        {
            var dy = TestData.Normal(vocab + dim, ids.Length * dim);
            var table = TestData.Uniform(dim, vocab * dim);
            long[] longIds = Array.ConvertAll(ids, v => (long)v);
            var expected = BackwardReference.FiniteDifference(t => RowOpsReference.Embedding(t, dim, longIds), TestData.ToDouble(table), TestData.ToDouble(dy));
            using var tids = Tensor.From(backend, ids, ids.Length);
            using var tg = Tensor.From(backend, dy, ids.Length, dim);
            AssertClose.Within(expected, backend.EmbeddingBackward(tids, tg, vocab).ToArray<float>(), 1e-6, 1e-6, $"embedding {vocab}x{dim}");
        }
    }

    [Theory, MemberData(nameof(Backends))]
    public void Repeated_ids_sum_in_position_order_for_i32_and_i64(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        foreach (var (vocab, dim, batch, time) in new[] { (50, 1000, 2, 30), (1000, 17, 3, 40), (7, 300, 1, 1) })
        {
            var ids = TestData.Integers(vocab + time, batch * time, 0, Math.Min(vocab, 12)); // many repeats, many untouched rows
            var dy = TestData.Normal(dim + batch, batch * time * dim);
            var expected = BackwardReference.EmbeddingBackward(Array.ConvertAll(ids, v => (long)v), TestData.ToDouble(dy), vocab, dim);
            using var t32 = Tensor.From(backend, ids, batch, time);
            using var t64 = Tensor.From(backend, Array.ConvertAll(ids, v => (long)v), batch, time);
            using var tg = Tensor.From(backend, dy, batch, time, dim);
            var g32 = backend.EmbeddingBackward(t32, tg, vocab);
            Assert.Equal(new Shape(vocab, dim), g32.Shape);
            AssertClose.Within(expected, g32.ToArray<float>(), 1e-6, 1e-6, $"embedding i32 {vocab}x{dim}");
            AssertClose.BitIdentical(g32.ToArray<float>(), backend.EmbeddingBackward(t64, tg, vocab).ToArray<float>(), $"embedding i64 {vocab}x{dim}");
        }
    }

    [Fact]
    public void Cpu_gives_the_same_bits_on_one_and_two_threads_and_adds_in_position_order()
    {
        const int vocab = 300, dim = 257, count = 4000;
        var ids = TestData.Integers(31, count, 0, vocab);
        var dy = TestData.Normal(32, count * dim, 100f);
        var one = TestBackends.CpuWithThreads(1);
        var two = TestBackends.CpuWithThreads(2);
        using var i1 = Tensor.From(one, ids, count);
        using var g1 = Tensor.From(one, dy, count, dim);
        var a = one.EmbeddingBackward(i1, g1, vocab).ToArray<float>();
        AssertClose.BitIdentical(a, two.EmbeddingBackward(i1.To(two), g1.To(two), vocab).ToArray<float>(), "embedding");
        // Position order, in f32: the same rounding as adding the rows one after another.
        var sequential = new float[vocab * dim];
        for (int k = 0; k < count; k++)
            for (int j = 0; j < dim; j++) sequential[ids[k] * dim + j] += dy[k * dim + j];
        AssertClose.BitIdentical(sequential, a, "embedding in position order");
    }

    [Theory, MemberData(nameof(Backends))]
    public void Bad_calls_name_the_shapes_and_ids(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        using var ids = Tensor.From(backend, new[] { 0, 1, 2 }, 3);
        using var bad = Tensor.From(backend, new[] { 0, 5, 2 }, 3);
        using var g = Tensor.Zeros(backend, new Shape(3, 4));
        using var wrong = Tensor.Zeros(backend, new Shape(2, 4));
        var e = Assert.Throws<ArgumentException>(() => backend.EmbeddingBackward(ids, wrong, 5));
        Assert.Contains("[3]", e.Message);
        Assert.Contains("[2, 4]", e.Message);
        e = Assert.Throws<ArgumentException>(() => backend.EmbeddingBackward(bad, g, 5));
        Assert.Contains("id 5", e.Message);
        Assert.Contains("[5, 4]", e.Message);
        Assert.Throws<ArgumentException>(() => backend.EmbeddingBackward(ids, g, 0));
        using var floatIds = Tensor.Zeros(backend, new Shape(3));
        Assert.Contains("f32", Assert.Throws<ArgumentException>(() => backend.EmbeddingBackward(floatIds, g, 5)).Message);
    }
}
