using LlmLab.Backends;
using LlmLab.Backends.Ilgpu;
using LlmLab.Benchmarks.Training;
using LlmLab.Tensors;

namespace LlmLab.Benchmarks.Anchors;

/// <summary>
/// The docs/performance.md / issue 7 GPU workloads (or a small version of each, for a smoke run on ILGPU's CPU simulator):
/// matmul, causal attention forward and backward, sampling, int8 quantisation beside copy bandwidth, dequantise +
/// matmul for int8, Q8_0 and Q4_0 weights (decode and prefill), fused LoRA linear, layernorm, rmsnorm, softmax and a
/// GPT training step. Each is warmed up, then the median of repeats is taken, synchronising before each clock read.
/// Names are built exactly as benchmarks/anchors/torch_anchors.py builds them, so compare.py joins the two JSON
/// files by name: change a name or a size in both places.
/// </summary>
public sealed class AnchorTimings(IBackend backend, bool small)
{
    /// <summary>
    /// One workload: median wall time, a readable throughput, the bytes it must move at least (bandwidth-bound work;
    /// 0 otherwise) and, when it failed, why (MedianMs is then NaN).
    /// </summary>
    public sealed record Timing(string Name, double MedianMs, string Throughput, double Bytes = 0, string? Error = null);

    /// <summary>The training-step model: nanoGPT Shakespeare-char at batch 64 (docs/performance.md), or a tiny one.</summary>
    public (int Layers, int Heads, int Width, int Context, int Batch) TrainingShape => small ? (1, 2, 32, 16, 2) : (6, 6, 384, 256, 64);

    /// <summary>The character vocabulary of the training-step model (Shakespeare's 65 characters).</summary>
    public const int TrainingVocabulary = 65;

    public List<Timing> Run()
    {
        var result = new List<Timing>();
        foreach (var workload in new Action<List<Timing>>[]
                 {
                     MatMul, WeightGradient, AttentionForward, AttentionBackward, Sampling, Quantization, Copy, QuantizedMatMul, Lora, RowOps,
                     TrainingStep,
                 })
        {
            int before = result.Count;
            try
            {
                workload(result);
            }
            catch (Exception e)
            {
                // Setting the workload up failed (each row's own failure is caught in Measure).
                result.Add(new(workload.Method.Name, double.NaN, "-", Error: $"{e.GetType().Name}: {e.Message}"));
            }
            foreach (var t in result.Skip(before))
                Console.Error.WriteLine($"  {t.Name}: {(t.Error is null ? $"{t.MedianMs:0.000} ms" : t.Error)}");
        }
        return result;
    }

    // A small run only proves every workload runs (ILGPU's simulator takes about a second a call): one warm-up call
    // and one timed call; the training step (tens of seconds there) runs once, compiling its kernels in the timed call.
    private int Repeats => small ? 1 : 20;
    private int Warmups => small ? 1 : 2;

    // ---- sizes and names (torch_anchors.py builds the same) -------------------------------------------------

    private int MatMulSize => small ? 128 : 4096;
    /// <summary>The training model's widest weight gradient: dW = dY^T X over batch x context tokens (64 x 256).</summary>
    private (int Tokens, int Out, int In) GradientShape => small ? (2048, 48, 32) : (16384, 1536, 384);
    private (int Heads, int Time, int Dim) AttentionShape => small ? (2, 64, 64) : (32, 1024, 64);
    private (int Rows, int Vocab) SamplingShape => small ? (4, 5000) : (64, 50257);
    private int QuantSize => small ? 256 : 4096;
    private long CopyBytes => small ? 64L << 20 : 2L << 30;
    private (int Prefill, int K, int N) LinearShape => small ? (8, 128, 128) : (512, 4096, 4096);
    private (int Rows, int In, int Out, int Rank) LoraShape => small ? (128, 128, 128, 16) : (4096, 4096, 4096, 16);
    private (int Rows, int Cols)[] RowShapes => small ? [(16, 256), (2, 5000)] : [(4096, 4096), (64, 50257)];

    private static readonly string[] Formats = ["int8", "q8_0", "q4_0"];

    private string MatMulName => $"matmul f32 {MatMulSize}^3";
    private string GradientName
    {
        get
        {
            var (tokens, @out, @in) = GradientShape;
            return $"weight-gradient matmul f32 [{tokens},{@out}]^T x [{tokens},{@in}]";
        }
    }
    private string AttentionName(string pass) => $"causal attention {pass} {AttentionShape.Heads} heads x T {AttentionShape.Time} x d {AttentionShape.Dim}";
    private string SamplingName => $"top-k 50 + top-p 0.9 + T 0.8 + draw, {SamplingShape.Rows} x {SamplingShape.Vocab}";
    private string QuantName => $"int8 absmax per-row quantisation {QuantSize} x {QuantSize}";
    private string CopyName => $"device-to-device copy {CopyBytes >> 20} MiB";
    private string LinearName(string format, int rows) =>
        $"{format} dequant+matmul {(rows == 1 ? "decode" : "prefill")} [{rows},{LinearShape.K}] x [{LinearShape.N},{LinearShape.K}]^T";
    private string LoraName => $"lora linear x [{LoraShape.Rows},{LoraShape.In}] W [{LoraShape.Out},{LoraShape.In}] r {LoraShape.Rank}";
    private static string RowName(string op, int rows, int cols) => $"{op} rows {rows} x {cols}";
    private string TrainingName
    {
        get
        {
            var (layers, heads, width, context, batch) = TrainingShape;
            return $"training step {layers}L-{heads}H-{width}W-T{context}-B{batch} vocab {TrainingVocabulary}";
        }
    }

    // ---- workloads ------------------------------------------------------------------------------------------

    private void MatMul(List<Timing> result)
    {
        int n = MatMulSize;
        using var a = Random(1, n, n);
        using var b = Random(2, n, n);
        Measure(result, MatMulName, () => backend.MatMul(a, b), ms => Tflops(2.0 * n * n * n, ms));

        // Each ILGPU matmul kernel forced in turn (rows "matmul f32 4096^3 [kernel]"), to pick the defaults.
        MatMulKernelTimings.Run(backend, n, Repeats, Random, result);
    }

    /// <summary>
    /// dW = dY^T X of the training step's MLP: a small output over a long k, which split-K spreads over the GPU; on
    /// ILGPU also without split-K (row "[no split-K]", with its largest difference from the split result).
    /// </summary>
    private void WeightGradient(List<Timing> result)
    {
        var (tokens, @out, @in) = GradientShape;
        using var dy = Random(17, tokens, @out);
        using var x = Random(18, tokens, @in);
        double flops = 2.0 * tokens * @out * @in;
        Measure(result, GradientName, () => backend.MatMul(dy, x, transposeA: true), ms => Tflops(flops, ms));
        if (backend is not IlgpuBackend) return;
        float[] split;
        using (var c = backend.MatMul(dy, x, transposeA: true))
            split = c.ToArray<float>();
        using var _ = IlgpuBackend.ForceMatMulSplits(1);
        double ms = AnchorRun.Median(backend, () => backend.MatMul(dy, x, transposeA: true), Repeats, Warmups);
        using var whole = backend.MatMul(dy, x, transposeA: true);
        var values = whole.ToArray<float>();
        double difference = 0;
        for (int i = 0; i < values.Length; i++) difference = Math.Max(difference, Math.Abs(values[i] - split[i]));
        result.Add(new($"{GradientName} [no split-K]", ms, $"{flops / ms / 1e9:0.00} TFLOP/s, max |d| {difference:0.0E0}"));
    }

    private void AttentionForward(List<Timing> result)
    {
        var (heads, time, dim) = AttentionShape;
        using var q = Random(3, 1, heads, time, dim);
        using var k = Random(4, 1, heads, time, dim);
        using var v = Random(5, 1, heads, time, dim);
        var causal = new AttentionOptions { Causal = true };
        // Causal: half the score matrix is work.
        Measure(result, AttentionName("fwd"), () => backend.Attention(q, k, v, causal), ms => Tflops(4.0 * heads * time * time * dim / 2, ms));
    }

    /// <summary>dq, dk, dv from q, k, v, the forward output and dO (PyTorch: autograd.grad through SDPA, forward not timed).</summary>
    private void AttentionBackward(List<Timing> result)
    {
        var (heads, time, dim) = AttentionShape;
        using var q = Random(3, 1, heads, time, dim);
        using var k = Random(4, 1, heads, time, dim);
        using var v = Random(5, 1, heads, time, dim);
        using var dO = Random(6, 1, heads, time, dim);
        var causal = new AttentionOptions { Causal = true };
        using var o = backend.Attention(q, k, v, causal);
        // Recomputing S and P, dP = dO V^T, dV, dQ and dK: 2.5x the forward's matmul work (FlashAttention-2's count).
        Measure(result, AttentionName("bwd"), () =>
        {
            var g = backend.AttentionBackward(q, k, v, o, dO, causal);
            g.Key.Dispose();
            g.Value.Dispose();
            return g.Query;
        }, ms => Tflops(2.5 * 4.0 * heads * time * time * dim / 2, ms));
    }

    private void Sampling(List<Timing> result)
    {
        var (rows, vocab) = SamplingShape;
        using var logits = Random(6, rows, vocab);
        var options = new SamplingOptions { Temperature = 0.8f, TopK = 50, TopP = 0.9f };
        long step = 0;
        Measure(result, SamplingName, () => backend.Sample(logits, options, null, 2026, step++), ms => $"{rows / ms * 1e3:0} rows/s");
    }

    private void Quantization(List<Timing> result)
    {
        int m = QuantSize;
        using var w = Random(7, m, m);
        double bytes = m * (double)m * 5; // read f32, write i8
        Measure(result, QuantName, () => { backend.QuantizeInt8(w, Int8Scheme.AbsmaxPerRow).Dispose(); return null; }, ms => GbPerSecond(bytes, ms), bytes);
    }

    private void Copy(List<Timing> result)
    {
        long copyBytes = CopyBytes;
        using var src = Tensor.Zeros(backend, new Shape((int)(copyBytes / 4)));
        using var dst = Tensor.Zeros(backend, new Shape((int)(copyBytes / 4)));
        Measure(result, CopyName, () => { backend.Copy(src.Storage, 0, dst.Storage, 0, copyBytes); return null; },
            ms => GbPerSecond(2.0 * copyBytes, ms), 2.0 * copyBytes, small ? 1 : 10);
    }

    /// <summary>x [M, K] times a quantised [N, K] weight transposed, dequantised inside the kernel (no f32 weight is made).</summary>
    private void QuantizedMatMul(List<Timing> result)
    {
        var (prefill, k, n) = LinearShape;
        using var w = Random(8, [n, k], 0.05f);
        foreach (string format in Formats)
        {
            IDisposable storage;
            QuantizedWeight weight;
            if (format == "int8")
            {
                var int8 = backend.QuantizeInt8(w, Int8Scheme.AbsmaxPerRow);
                (storage, weight) = (int8, int8);
            }
            else
            {
                var blocks = backend.QuantizeBlocks(w, format == "q8_0" ? DType.Q8_0 : DType.Q4_0);
                (storage, weight) = (blocks, blocks);
            }
            using (storage)
            {
                foreach (int rows in new[] { 1, prefill })
                {
                    using var x = Random(9, rows, k);
                    Measure(result, LinearName(format, rows), () => backend.MatMulQuantized(x, weight), ms => Tflops(2.0 * rows * n * k, ms));
                }
            }
        }
    }

    private void Lora(List<Timing> result)
    {
        var (rows, @in, @out, rank) = LoraShape;
        using var x = Random(10, rows, @in);
        using var w = Random(11, [@out, @in], 0.05f);
        using var a = Random(12, [rank, @in], 0.05f);
        using var b = Random(13, [@out, rank], 0.05f);
        const float scale = 2f; // alpha 32 / r 16
        Measure(result, LoraName, () => backend.LoraLinear(x, w, null, a, b, scale),
            ms => Tflops(2.0 * rows * (@in * (double)@out + @in * rank + rank * @out), ms));
    }

    /// <summary>layernorm and rmsnorm (weight, bias) and softmax over the rows of the first shape; softmax over the second.</summary>
    private void RowOps(List<Timing> result)
    {
        foreach (var (rows, cols) in RowShapes)
        {
            using var x = Random(14, rows, cols);
            double bytes = 8.0 * rows * cols; // read and write f32 once
            if (cols == RowShapes[0].Cols)
            {
                using var weight = Random(15, cols);
                using var bias = Random(16, cols);
                Measure(result, RowName("layernorm", rows, cols), () => backend.LayerNorm(x, weight, bias), ms => GbPerSecond(bytes, ms), bytes);
                Measure(result, RowName("rmsnorm", rows, cols), () => backend.RmsNorm(x, weight), ms => GbPerSecond(bytes, ms), bytes);
            }
            Measure(result, RowName("softmax", rows, cols), () => backend.Softmax(x), ms => GbPerSecond(bytes, ms), bytes);
        }
    }

    /// <summary>
    /// Forward, backward, global-norm clipping and AdamW of a pre-LN GPT (learned positions, tanh GELU, tied head):
    /// the trainer's whole step, batch upload and loss read-back included, as PyTorch's side does it.
    /// </summary>
    private void TrainingStep(List<Timing> result)
    {
        using var workload = new TrainingWorkload(backend, TrainingShape, TrainingVocabulary);
        Measure(result, TrainingName, () => { workload.Step(); return null; }, ms => $"{workload.TokensPerStep / ms * 1e3:0} tok/s",
            repeats: small ? 1 : 10, warmups: small ? 0 : 3);
    }

    /// <summary>Times one row (AnchorRun.Median); a failure becomes a row with its Error, under the same name.</summary>
    private void Measure(List<Timing> result, string name, Func<Tensor?> op, Func<double, string> throughput, double bytes = 0,
        int? repeats = null, int? warmups = null)
    {
        try
        {
            double ms = AnchorRun.Median(backend, op, repeats ?? Repeats, warmups ?? Warmups);
            result.Add(new(name, ms, throughput(ms), bytes));
        }
        catch (Exception e)
        {
            result.Add(new(name, double.NaN, "-", bytes, $"{e.GetType().Name}: {e.Message}"));
        }
    }

    // ---- helpers --------------------------------------------------------------------------------------------

    private static string Tflops(double flops, double ms) => $"{flops / ms / 1e9:0.000} TFLOP/s";

    private static string GbPerSecond(double bytes, double ms) => $"{bytes / ms / 1e6:0.0} GB/s";

    private Tensor Random(int seed, params int[] shape) => Random(seed, shape, 1f);

    private Tensor Random(int seed, int[] shape, float scale)
    {
        var random = new System.Random(seed);
        long count = shape.Aggregate(1L, (x, y) => x * y);
        var x = new float[count];
        for (long i = 0; i < count; i++) x[i] = (float)((random.NextDouble() * 2 - 1) * scale);
        return Tensor.From(backend, x, shape);
    }
}
