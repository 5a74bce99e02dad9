using LlmLab.Backends;
using LlmLab.Tensors;

namespace LlmLab.Benchmarks.Anchors;

/// <summary>The ANCHORS.md GPU workloads (or a small version of them for a CPU smoke run).</summary>
public sealed class AnchorTimings(IBackend backend, bool small)
{
    public sealed record Timing(string Name, double MedianMs, string Throughput);

    public List<Timing> Run()
    {
        var result = new List<Timing>();
        foreach (var workload in new Action<List<Timing>>[] { MatMul, Attention, Sampling, Quantization, Copy })
        {
            try
            {
                workload(result);
            }
            catch (Exception e)
            {
                result.Add(new($"{workload.Method.Name}: {e.GetType().Name}: {e.Message}", double.NaN, "-"));
            }
        }
        return result;
    }

    private int Repeats => small ? 3 : 20;

    private void MatMul(List<Timing> result)
    {
        int n = small ? 256 : 4096;
        using (var a = Random(1, n, n))
        using (var b = Random(2, n, n))
        {
            double ms = AnchorRun.Median(backend, () => backend.MatMul(a, b), Repeats);
            result.Add(new($"matmul f32 {n}^3", ms, $"{2.0 * n * n * n / ms / 1e9:0.00} TFLOP/s"));
        }

        // Each ILGPU matmul kernel forced in turn (rows "matmul f32 4096^3 [kernel]"), to pick the defaults.
        MatMulKernelTimings.Run(backend, n, Repeats, Random, result);
    }

    private void Attention(List<Timing> result)
    {
        int heads = small ? 4 : 32, time = small ? 128 : 1024, dim = 64;
        using (var q = Random(3, 1, heads, time, dim))
        using (var k = Random(4, 1, heads, time, dim))
        using (var v = Random(5, 1, heads, time, dim))
        {
            var causal = new AttentionOptions { Causal = true };
            double ms = AnchorRun.Median(backend, () => backend.Attention(q, k, v, causal), Repeats);
            double flops = 4.0 * heads * time * time * dim / 2; // causal: half the score matrix
            result.Add(new($"causal attention {heads} heads x T {time} x d {dim}", ms, $"{flops / ms / 1e9:0.00} TFLOP/s"));
        }
    }

    private void Sampling(List<Timing> result)
    {
        int rows = small ? 8 : 64, vocab = small ? 5000 : 50257;
        using (var logits = Random(6, rows, vocab))
        {
            var options = new SamplingOptions { Temperature = 0.8f, TopK = 50, TopP = 0.9f };
            long step = 0;
            double ms = AnchorRun.Median(backend, () => backend.Sample(logits, options, null, 2026, step++), Repeats);
            result.Add(new($"top-k 50 + top-p 0.9 + T 0.8 + draw, {rows} x {vocab}", ms, $"{rows / ms * 1e3:0} rows/s"));
        }
    }

    private void Quantization(List<Timing> result)
    {
        int m = small ? 512 : 4096;
        using (var w = Random(7, m, m))
        {
            double ms = AnchorRun.Median(backend, () => { backend.QuantizeInt8(w, Int8Scheme.AbsmaxPerRow).Dispose(); return null; }, Repeats);
            double bytes = m * (double)m * 5; // read f32, write i8
            result.Add(new($"int8 absmax per-row quantisation {m} x {m}", ms, $"{bytes / ms / 1e6:0.0} GB/s"));
        }
    }

    private void Copy(List<Timing> result)
    {
        long copyBytes = small ? 64L << 20 : 2L << 30;
        using (var src = Tensor.Zeros(backend, new Shape((int)(copyBytes / 4))))
        using (var dst = Tensor.Zeros(backend, new Shape((int)(copyBytes / 4))))
        {
            double ms = AnchorRun.Median(backend, () => { backend.Copy(src.Storage, 0, dst.Storage, 0, copyBytes); return null; }, small ? 3 : 10);
            result.Add(new($"device-to-device copy {copyBytes >> 20} MiB", ms, $"{2.0 * copyBytes / ms / 1e6:0.0} GB/s"));
        }
    }

    private Tensor Random(int seed, params int[] shape)
    {
        var random = new System.Random(seed);
        long count = shape.Aggregate(1L, (x, y) => x * y);
        var x = new float[count];
        for (long i = 0; i < count; i++) x[i] = (float)(random.NextDouble() * 2 - 1);
        return Tensor.From(backend, x, shape);
    }
}
