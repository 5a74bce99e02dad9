using LlmLab.Backends;
using LlmLab.Tensors;
using LlmLab.Tests.Infrastructure;
using LlmLab.Tests.References;

namespace LlmLab.Tests.Kernels;

/// <summary>
/// EmbeddingQuantized against float64: a dequantised value is q * fp16(d) (exact in float32: an 8-bit integer times
/// an 11-bit significand) or q / scale (one division, which float64 then float32 rounds as float32 does), so the
/// tolerance is 0; and bit for bit the rows of Dequantize / DequantizeBlocks of the whole table, then Embedding.
/// Tables quantised from floats and blocks of arbitrary bytes (Q8_0's -128, every nibble); ids i32 and i64 of any shape.
/// </summary>
[Collection("backends")]
public class QuantizedEmbeddingTests
{
    public static TheoryData<string> Backends => TestBackends.All;

    private const int Vocab = 37;

    [Theory, MemberData(nameof(Backends))]
    public void Block_rows_match_float64_and_dequantise_then_gather(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        foreach (bool q4 in new[] { false, true })
            foreach (int dim in new[] { 32, 96, 800 })
                for (int kind = 0; kind < 2; kind++)
                {
                    byte[] bytes = kind == 0 ? QuantizationReference.NormalBlocks(Vocab, dim, q4, dim) : QuantizationReference.RandomBlocks(Vocab, dim, q4, dim + 1);
                    using var table = Tensor.FromBytes(backend, bytes, q4 ? DType.Q4_0 : DType.Q8_0, Vocab, dim);
                    var reference = BlockTable(bytes, q4, dim);
                    Check(backend, table, reference, dim, $"{(q4 ? "q4_0" : "q8_0")} dim {dim} kind {kind}");
                }
    }

    [Theory, MemberData(nameof(Backends))]
    public void Int8_rows_match_float64_and_dequantise_then_gather(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        foreach (var scheme in new[] { Int8Scheme.AbsmaxPerRow, Int8Scheme.AbsmaxPerTensor })
            foreach (int dim in new[] { 1, 17, 100 })
            {
                using var f32 = Tensor.From(backend, TestData.Normal(dim, (long)Vocab * dim, 0.3f), Vocab, dim);
                using var int8 = backend.QuantizeInt8(f32, scheme);
                sbyte[] q = int8.Values.ToArray<sbyte>();
                float[] scales = int8.Scales.ToArray<float>();
                var reference = new double[q.Length];
                for (int i = 0; i < q.Length; i++) reference[i] = (float)(q[i] / (double)scales[scales.Length == 1 ? 0 : i / dim]);
                Check(backend, int8, reference, dim, $"{scheme} dim {dim}");
            }
    }

    [Fact]
    public void Cpu_gives_the_same_bits_on_one_and_two_threads()
    {
        var one = TestBackends.CpuWithThreads(1);
        var two = TestBackends.CpuWithThreads(2);
        const int vocab = 3000, dim = 256;
        var bytes = QuantizationReference.NormalBlocks(vocab, dim, q4: true, 9);
        var ids = TestData.Integers(3, 500, 0, vocab);
        using var t1 = Tensor.FromBytes(one, bytes, DType.Q4_0, vocab, dim);
        using var t2 = Tensor.FromBytes(two, bytes, DType.Q4_0, vocab, dim);
        using var i1 = Tensor.From(one, ids, 500);
        using var i2 = Tensor.From(two, ids, 500);
        AssertClose.BitIdentical(one.EmbeddingQuantized(t1, i1).ToArray<float>(), two.EmbeddingQuantized(t2, i2).ToArray<float>(), "1 vs 2 threads");
    }

    [Theory, MemberData(nameof(Backends))]
    public void Bad_ids_and_tables_are_named(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        using var table = backend.QuantizeBlocks(Tensor.Zeros(backend, new Shape(10, 32)), DType.Q8_0);
        using var high = Tensor.From(backend, new[] { 1, 10 }, 2);
        var e = Assert.Throws<ArgumentException>(() => backend.EmbeddingQuantized(table, high));
        Assert.Contains("id 10", e.Message);
        Assert.Contains("vocabulary of 10", e.Message);
        using var floatIds = Tensor.Zeros(backend, new Shape(2));
        Assert.Contains("i32 or i64", Assert.Throws<ArgumentException>(() => backend.EmbeddingQuantized(table, floatIds)).Message);
        using var flat = backend.QuantizeBlocks(Tensor.Zeros(backend, new Shape(64)), DType.Q4_0);
        using var ids = Tensor.From(backend, new[] { 0 }, 1);
        Assert.Contains("[vocab, dim]", Assert.Throws<ArgumentException>(() => backend.EmbeddingQuantized(flat, ids)).Message);
    }

    private static void Check(IBackend backend, QuantizedWeight table, double[] reference, int dim, string what)
    {
        foreach (int[] idsShape in new[] { new[] { 1 }, new[] { 17 }, new[] { 2, 3 } })
        {
            int count = idsShape.Aggregate(1, (a, b) => a * b);
            var ids = TestData.Integers(dim + count, count, 0, Vocab);
            ids[0] = Vocab - 1;
            using var ids32 = Tensor.From(backend, ids, idsShape);
            using var ids64 = Tensor.From(backend, Array.ConvertAll(ids, i => (long)i), idsShape);
            var expected = RowOpsReference.Embedding(reference, dim, Array.ConvertAll(ids, i => (long)i));
            using var y32 = backend.EmbeddingQuantized(table, ids32);
            using var y64 = backend.EmbeddingQuantized(table, ids64);
            Assert.Equal([.. idsShape, dim], y32.Shape.ToArray());
            AssertClose.Within(expected, y32.ToArray<float>(), 0, 0, $"{what}, i32 ids {string.Join("x", idsShape)}");
            AssertClose.Within(expected, y64.ToArray<float>(), 0, 0, $"{what}, i64 ids {string.Join("x", idsShape)}");
            using var whole = table.Int8 is { } int8 ? backend.Dequantize(int8) : backend.DequantizeBlocks(table.Blocks!);
            using var gathered = backend.Embedding(whole, ids32);
            AssertClose.BitIdentical(gathered.ToArray<float>(), y32.ToArray<float>(), $"{what}: dequantise then gather");
        }
    }

    private static double[] BlockTable(byte[] bytes, bool q4, int dim) => TestData.ToDouble(QuantizationReference.DequantizeBlocks(bytes, q4));
}
