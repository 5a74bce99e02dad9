using LlmLab.Backends;
using LlmLab.Tensors;
using LlmLab.Tests.Infrastructure;
using LlmLab.Tests.References;

namespace LlmLab.Tests.Kernels;

/// <summary>Embedding gather against float64: a copy, so exact (tolerance 0). Ids i32 and i64 of any shape.</summary>
[Collection("backends")]
public class EmbeddingTests
{
    public static TheoryData<string> Backends => TestBackends.All;

    [Theory, MemberData(nameof(Backends))]
    public void Rows_are_picked_by_i32_and_i64_ids_of_any_shape(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        foreach (int dim in new[] { 1, 3, 17, 1000 })
            foreach (int[] idsShape in new[] { new[] { 1 }, new[] { 17 }, new[] { 2, 3 } })
            {
                const int Vocab = 29;
                var table = TestData.Uniform(dim, Vocab * dim, 1);
                int count = idsShape.Aggregate(1, (a, b) => a * b);
                var ids = TestData.Integers(dim + count, count, 0, Vocab);
                ids[0] = Vocab - 1;
                using var t = Tensor.From(backend, table, Vocab, dim);
                using var ids32 = Tensor.From(backend, ids, idsShape);
                using var ids64 = Tensor.From(backend, Array.ConvertAll(ids, i => (long)i), idsShape);
                var expected = RowOpsReference.Embedding(TestData.ToDouble(table), dim, Array.ConvertAll(ids, i => (long)i));
                using var y32 = backend.Embedding(t, ids32);
                using var y64 = backend.Embedding(t, ids64);
                Assert.Equal([.. idsShape, dim], y32.Shape.ToArray());
                Assert.Equal([.. idsShape, dim], y64.Shape.ToArray());
                AssertClose.Within(expected, y32.ToArray<float>(), 0, 0, $"i32 ids {string.Join("x", idsShape)}, dim {dim}");
                AssertClose.Within(expected, y64.ToArray<float>(), 0, 0, $"i64 ids {string.Join("x", idsShape)}, dim {dim}");
            }
    }

    [Theory, MemberData(nameof(Backends))]
    public void An_id_outside_the_vocabulary_names_the_id_its_position_and_the_vocabulary(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        using var table = Tensor.Zeros(backend, new Shape(10, 4));
        using var high = Tensor.From(backend, new[] { 1, 2, 3, 4, 10, 5 }, 2, 3);
        var e = Assert.Throws<ArgumentException>(() => backend.Embedding(table, high));
        Assert.Contains("id 10", e.Message);
        Assert.Contains("position [1, 1]", e.Message);
        Assert.Contains("vocabulary of 10", e.Message);

        using var negative = Tensor.From(backend, new[] { 0, -1 }, 2);
        e = Assert.Throws<ArgumentException>(() => backend.Embedding(table, negative));
        Assert.Contains("id -1", e.Message);
        Assert.Contains("position [1]", e.Message);

        // An i64 id whose low 32 bits are in range is still out of range.
        using var wide = Tensor.From(backend, new[] { (1L << 32) + 3 }, 1);
        e = Assert.Throws<ArgumentException>(() => backend.Embedding(table, wide));
        Assert.Contains($"id {(1L << 32) + 3}", e.Message);
    }

    [Theory, MemberData(nameof(Backends))]
    public void Ids_that_are_not_integers_are_refused(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        using var table = Tensor.Zeros(backend, new Shape(10, 4));
        using var ids = Tensor.Zeros(backend, new Shape(3));
        var e = Assert.Throws<ArgumentException>(() => backend.Embedding(table, ids));
        Assert.Contains("i32 or i64", e.Message);
        Assert.Contains("f32", e.Message);
    }

    [Theory, MemberData(nameof(Backends))]
    public void A_table_that_is_not_two_dimensional_is_named_in_the_error(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        using var table = Tensor.Zeros(backend, new Shape(10, 4, 2));
        using var ids = Tensor.From(backend, new[] { 1 }, 1);
        var e = Assert.Throws<ArgumentException>(() => backend.Embedding(table, ids));
        Assert.Contains("[10, 4, 2]", e.Message);
    }

    [Fact]
    public void Cpu_gives_the_same_bits_on_one_and_two_threads()
    {
        var table = TestData.Uniform(1, 100 * 257, 1);
        var ids = TestData.Integers(2, 999, 0, 100);
        var one = TestBackends.CpuWithThreads(1);
        var two = TestBackends.CpuWithThreads(2);
        using var t1 = Tensor.From(one, table, 100, 257);
        using var t2 = Tensor.From(two, table, 100, 257);
        using var i1 = Tensor.From(one, ids, 999);
        using var i2 = Tensor.From(two, ids, 999);
        AssertClose.BitIdentical(one.Embedding(t1, i1).ToArray<float>(), two.Embedding(t2, i2).ToArray<float>(), "embedding");
    }
}
