using LlmLab.Backends;
using LlmLab.Tensors;

namespace LlmLab.Benchmarks.Anchors;

/// <summary>
/// Every op on a device backend against the cpu backend, same random inputs: how the GPU kernels are checked on a
/// machine that has a GPU but no .NET SDK (the unit tests cover them on ILGPU's CPU simulator). Each check reports
/// the largest difference relative to max(1, |expected|) and its wall time (the first call of a kernel on a GPU
/// includes compiling it). <c>small</c> shrinks the shapes (still not multiples of any tile) so a run on ILGPU's CPU
/// simulator takes a minute, not several.
/// </summary>
public sealed class ConsistencyChecks(IBackend device, IBackend cpu, bool small = false)
{
    public sealed record Result(string Name, double MaxDifference, double Tolerance, bool Passed, double Milliseconds);

    private readonly List<Result> _results = [];

    public List<Result> Run()
    {
        int rows = small ? 3 : 64, vocab = small ? 5003 : 50257, width = small ? 200 : 768, tokens = small ? 100 : 512;
        var shapes = small
            ? new[] { (1, 64, 1), (17, 33, 100), (64, 96, 80), (300, 200, 3) }
            : new[] { (1, 64, 1), (17, 33, 100), (256, 512, 384), (1000, 768, 3) };
        foreach (var (m, k, n) in shapes)
        {
            Compare($"matmul {m}x{k}x{n}", 1e-4, b => b.MatMul(F(b, 1, m, k), F(b, 2, k, n), bias: F(b, 3, n)));
            Compare($"matmul A^T B^T {m}x{k}x{n}", 1e-4, b => b.MatMul(F(b, 1, 2, k, m), F(b, 2, n, k), true, true));
        }
        int elements = small ? 10_007 : 100_003;
        Compare("add (broadcast)", 1e-6, b => b.Add(F(b, 1, 37, 1000), F(b, 2, 1000)));
        Compare("mul", 1e-6, b => b.Mul(F(b, 1, 37, 1000), F(b, 2, 37, 1000)));
        Compare("gelu", 1e-5, b => b.Gelu(F(b, 1, elements)));
        Compare("silu", 1e-5, b => b.Silu(F(b, 1, elements)));
        Compare($"softmax {rows}x{vocab}", 1e-6, b => b.Softmax(F(b, 1, rows, vocab)));
        Compare($"log-softmax {rows}x{vocab}", 1e-4, b => b.LogSoftmax(F(b, 1, rows, vocab)));
        Compare($"layernorm {tokens}x{width}", 1e-4, b => b.LayerNorm(F(b, 1, tokens, width), F(b, 2, width), F(b, 3, width)));
        Compare($"rmsnorm {tokens}x{width}", 1e-4, b => b.RmsNorm(F(b, 1, tokens, width), F(b, 2, width)));
        Compare("embedding", 0, b => b.Embedding(F(b, 1, 1000, 64), I(b, 2, 1000, 8, 33)));
        Compare("rope", 1e-4, b => b.Rope(F(b, 1, 2, 4, 33, 64), Tensor.From(b, Enumerable.Range(5, 33).ToArray(), 33), 10000f));
        Compare("cross-entropy", 1e-4, b => b.CrossEntropy(F(b, 1, rows, small ? 500 : 5000), I(b, 2, small ? 500 : 5000, rows)));
        var attentionShapes = small
            ? new[] { (2, 2, 37, 64), (4, 2, 70, 32), (2, 1, 1, 128) }
            : new[] { (4, 4, 100, 64), (8, 2, 257, 64), (2, 1, 1, 128) };
        foreach (var (hq, hkv, t, d) in attentionShapes)
        {
            Compare($"attention causal {hq}/{hkv} heads T {t} d {d}", 1e-4,
                b => b.Attention(F(b, 1, 2, hq, t, d), F(b, 2, 2, hkv, t, d), F(b, 3, 2, hkv, t, d), new AttentionOptions { Causal = true }));
            Compare($"attention backward causal {hq}/{hkv} heads T {t} d {d} (dq, dk, dv)", 1e-4, b =>
            {
                var causal = new AttentionOptions { Causal = true };
                Tensor q = F(b, 1, 2, hq, t, d), k = F(b, 2, 2, hkv, t, d), v = F(b, 3, 2, hkv, t, d);
                using var o = b.Attention(q, k, v, causal);
                var g = b.AttentionBackward(q, k, v, o, F(b, 4, 2, hq, t, d), causal);
                return Concatenate(b, g.Query, g.Key, g.Value);
            });
        }
        int cached = small ? 40 : 200;
        Compare("attention decode over a cache", 1e-4, b =>
        {
            using var cache = new KvCache(b, 1, 2, cached + 100, 64);
            b.Attention(F(b, 1, 1, 4, cached, 64), F(b, 2, 1, 2, cached, 64), F(b, 3, 1, 2, cached, 64), new AttentionOptions { Causal = true, Cache = cache }).Dispose();
            return b.Attention(F(b, 4, 1, 4, 1, 64), F(b, 5, 1, 2, 1, 64), F(b, 6, 1, 2, 1, 64), new AttentionOptions { Causal = true, Cache = cache });
        });
        int outputs = small ? 30 : 300, inputs = small ? 256 : 1024;
        int loraRows = small ? 20 : 100;
        Compare($"lora linear {loraRows}x{width} -> 512, r 8", 1e-4, b => b.LoraLinear(F(b, 1, loraRows, width), F(b, 2, 512, width), F(b, 3, 512), F(b, 4, 8, width), F(b, 5, 512, 8), 2f));
        Compare($"int8 absmax per row {outputs}x{inputs - 24} (dequantised)", 1e-6, b => { using var q = b.QuantizeInt8(F(b, 1, outputs, inputs - 24), Int8Scheme.AbsmaxPerRow); return b.Dequantize(q); });
        Compare($"q8_0 bytes {outputs}x{inputs}", 0, b => Bytes(b, b.QuantizeBlocks(F(b, 1, outputs, inputs), DType.Q8_0)));
        Compare($"q4_0 bytes {outputs}x{inputs}", 0, b => Bytes(b, b.QuantizeBlocks(F(b, 1, outputs, inputs), DType.Q4_0)));
        Compare($"matmul 17x{inputs} with int8 weight {outputs}x{inputs}", 1e-3, b => b.MatMulQuantized(F(b, 1, 17, inputs), b.QuantizeInt8(F(b, 2, outputs, inputs), Int8Scheme.AbsmaxPerRow)));
        Compare($"matmul 17x{inputs} with q8_0 weight {outputs}x{inputs}", 1e-3, b => b.MatMulQuantized(F(b, 1, 17, inputs), b.QuantizeBlocks(F(b, 2, outputs, inputs), DType.Q8_0)));
        Compare($"matmul 17x{inputs} with q4_0 weight {outputs}x{inputs}", 1e-3, b => b.MatMulQuantized(F(b, 1, 17, inputs), b.QuantizeBlocks(F(b, 2, outputs, inputs), DType.Q4_0)));
        var warp = new SamplingOptions { Temperature = 0.7f, TopK = 50, TopP = 0.9f, MinP = 0.01f, RepetitionPenalty = 1.3f };
        Compare($"warpers {rows}x{vocab}", 1e-5, b => b.ApplyWarpers(F(b, 1, [rows, vocab], 4f), warp, I(b, 2, vocab, rows, 20)));
        Compare($"sample {rows}x{vocab} (same tokens)", 0, b => Float(b, b.Sample(F(b, 1, [rows, vocab], 4f), warp, null, 7, 3)));
        Compare($"argmax {rows}x{vocab}", 0, b => Float(b, b.Argmax(F(b, 1, rows, vocab))));
        return _results;
    }

    private void Compare(string name, double tolerance, Func<IBackend, Tensor> op)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            using var expected = op(cpu);
            using var actual = op(device);
            var e = expected.ToArray<float>();
            var a = actual.ToArray<float>();
            double worst = e.Length == a.Length ? 0 : double.PositiveInfinity;
            for (int i = 0; i < Math.Min(e.Length, a.Length); i++)
            {
                if (float.IsNegativeInfinity(e[i]) && float.IsNegativeInfinity(a[i])) continue;
                double diff = Math.Abs((double)e[i] - a[i]) / Math.Max(1, Math.Abs((double)e[i]));
                if (double.IsNaN(diff) || diff > worst) worst = double.IsNaN(diff) ? double.PositiveInfinity : diff;
            }
            _results.Add(new(name, worst, tolerance, worst <= tolerance, watch.Elapsed.TotalMilliseconds));
        }
        catch (Exception ex)
        {
            Console.WriteLine($"{name}: {ex.GetType().Name}: {ex.Message}");
            _results.Add(new(name, double.PositiveInfinity, tolerance, false, watch.Elapsed.TotalMilliseconds));
        }
    }

    private static Tensor F(IBackend b, int seed, params int[] shape) => F(b, seed, shape, 1f);

    private static Tensor F(IBackend b, int seed, int[] shape, float scale)
    {
        var random = new System.Random(seed);
        long count = shape.Aggregate(1L, (x, y) => x * y);
        var x = new float[count];
        for (long i = 0; i < count; i++) x[i] = (float)((random.NextDouble() * 2 - 1) * scale);
        return Tensor.From(b, x, shape);
    }

    private static Tensor I(IBackend b, int seed, int below, params int[] shape)
    {
        var random = new System.Random(seed);
        long count = shape.Aggregate(1L, (x, y) => x * y);
        var x = new int[count];
        for (long i = 0; i < count; i++) x[i] = random.Next(below);
        return Tensor.From(b, x, shape);
    }

    // Byte-exact formats and integer results compared as floats (difference 0 or not).
    private static Tensor Bytes(IBackend b, Tensor q)
    {
        using (q) return Tensor.From(b, Array.ConvertAll(q.ToBytes(), x => (float)x), (int)q.ByteLength);
    }

    private static Tensor Concatenate(IBackend b, params Tensor[] parts)
    {
        var all = parts.SelectMany(p => { using (p) return p.ToArray<float>(); }).ToArray();
        return Tensor.From(b, all, all.Length);
    }

    private static Tensor Float(IBackend b, Tensor ints)
    {
        using (ints) return Tensor.From(b, Array.ConvertAll(ints.ToArray<int>(), x => (float)x), (int)ints.ElementCount);
    }
}
