using System.Diagnostics;
using LlmLab.Backends;
using LlmLab.Tensors;
using Spectre.Console;

// A tour of the engine's kernels on one backend: each op at a realistic size, its median time, its throughput and
// its largest difference from a float64 check on a sample of outputs. The experiment host replaces this as the
// main job once experiments exist.
//   dotnet run -c Release --project experiments/KernelTour [-- --backend cpu|ilgpu-cpu|cuda|auto] [--threads N]

string backendName = Option("--backend") ?? Environment.GetEnvironmentVariable(Backend.EnvironmentVariable) ?? "cpu";
int? threads = int.TryParse(Option("--threads"), out int t) ? t : null;
IBackend backend;
try
{
    backend = Backend.Create(backendName, threads);
}
catch (Exception e) when (e is ArgumentException or BackendUnavailableException)
{
    AnsiConsole.MarkupLineInterpolated($"[red]error:[/] {e.Message}");
    return 2;
}

using var _ = backend;
AnsiConsole.MarkupLineInterpolated($"LlmLab kernel tour on [bold]{backend.Name}[/]{(backend is LlmLab.Backends.Cpu.CpuBackend c ? $" ({c.Threads} threads)" : "")}");
var tour = new KernelTour(backend, small: backend.Name == "ilgpu-cpu");
var table = new Table().AddColumns("kernel", "size", "median ms", "throughput", "max |error| vs float64");
foreach (var row in tour.Run())
    table.AddRow(row.Kernel, row.Size, row.Milliseconds.ToString("0.000"), row.Throughput, row.Error);
AnsiConsole.Write(table);
return 0;

string? Option(string name)
{
    int i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
}

/// <summary>Runs each kernel, times it and checks a sample of its outputs against float64.</summary>
sealed class KernelTour(IBackend backend, bool small)
{
    public sealed record Row(string Kernel, string Size, double Milliseconds, string Throughput, string Error);

    public IEnumerable<Row> Run()
    {
        int n = small ? 64 : 1024;
        var a = Random(1, n * n);
        var b = Random(2, n * n);
        using (var ta = Tensor.From(backend, a, n, n))
        using (var tb = Tensor.From(backend, b, n, n))
        {
            var (ms, y) = Time(() => backend.MatMul(ta, tb));
            double err = 0;
            for (int s = 0; s < 64; s++)
            {
                int i = s * 7919 % n, j = s * 104729 % n;
                double dot = 0;
                for (int k = 0; k < n; k++) dot += (double)a[i * n + k] * b[k * n + j];
                err = Math.Max(err, Math.Abs(dot - y[i * n + j]));
            }
            yield return new($"matmul", $"{n}^3", ms, $"{2.0 * n * n * n / ms / 1e6:0.0} GFLOP/s", $"{err:E1}");
        }

        int rows = small ? 8 : 64, vocab = small ? 1000 : 50257;
        var logits = Random(3, rows * vocab, 4);
        using (var tl = Tensor.From(backend, logits, rows, vocab))
        {
            var (ms, p) = Time(() => backend.Softmax(tl));
            double err = 0;
            for (int r = 0; r < rows; r++)
            {
                double max = double.NegativeInfinity, sum = 0;
                for (int v = 0; v < vocab; v++) max = Math.Max(max, logits[r * vocab + v]);
                for (int v = 0; v < vocab; v++) sum += Math.Exp(logits[r * vocab + v] - max);
                for (int v = 0; v < vocab; v += 97) err = Math.Max(err, Math.Abs(Math.Exp(logits[r * vocab + v] - max) / sum - p[r * vocab + v]));
            }
            yield return new("softmax", $"{rows} x {vocab}", ms, $"{rows * vocab * 8.0 / ms / 1e6:0.0} GB/s", $"{err:E1}");

            var options = new SamplingOptions { Temperature = 0.8f, TopK = 50, TopP = 0.9f };
            var (sms, tokens) = Time(() => backend.Sample(tl, options, null, seed: 2026, step: 0), i32: true);
            bool inTopK = true;
            for (int r = 0; r < rows; r++)
            {
                float chosen = logits[r * vocab + (int)tokens[r]];
                int larger = 0;
                for (int v = 0; v < vocab; v++) if (logits[r * vocab + v] > chosen) larger++;
                inTopK &= larger < 50;
            }
            yield return new("sample (T 0.8, top-k 50, top-p 0.9)", $"{rows} x {vocab}", sms, $"{rows / sms * 1e3:0} rows/s", inTopK ? "draws inside top-k" : "DRAW OUTSIDE TOP-K");
        }

        int heads = small ? 2 : 32, time = small ? 32 : 256, dim = 64;
        var q = Random(4, heads * time * dim);
        var keys = Random(5, heads * time * dim);
        var values = Random(6, heads * time * dim);
        using (var tq = Tensor.From(backend, q, 1, heads, time, dim))
        using (var tk = Tensor.From(backend, keys, 1, heads, time, dim))
        using (var tv = Tensor.From(backend, values, 1, heads, time, dim))
        {
            var (ms, o) = Time(() => backend.Attention(tq, tk, tv, new AttentionOptions { Causal = true }));
            double err = 0, scale = 1 / Math.Sqrt(dim);
            for (int s = 0; s < 16; s++)
            {
                int h = s % heads, i = s * 31 % time;
                var w = new double[i + 1];
                double max = double.NegativeInfinity, sum = 0;
                for (int j = 0; j <= i; j++)
                {
                    double dot = 0;
                    for (int d = 0; d < dim; d++) dot += (double)q[(h * time + i) * dim + d] * keys[(h * time + j) * dim + d];
                    w[j] = dot * scale;
                    max = Math.Max(max, w[j]);
                }
                for (int j = 0; j <= i; j++) sum += w[j] = Math.Exp(w[j] - max);
                for (int d = 0; d < dim; d++)
                {
                    double acc = 0;
                    for (int j = 0; j <= i; j++) acc += w[j] / sum * values[(h * time + j) * dim + d];
                    err = Math.Max(err, Math.Abs(acc - o[(h * time + i) * dim + d]));
                }
            }
            double flops = 4.0 * heads * time * time * dim / 2;
            yield return new("causal attention", $"{heads} heads x T {time} x d {dim}", ms, $"{flops / ms / 1e6:0.0} GFLOP/s", $"{err:E1}");
        }

        var w8 = Random(7, n * n);
        using (var tw = Tensor.From(backend, w8, n, n))
        {
            var (ms, _) = Time(() =>
            {
                using var q8 = backend.QuantizeInt8(tw, Int8Scheme.AbsmaxPerRow);
                return backend.Dequantize(q8);
            });
            yield return new("int8 absmax per row + dequantise", $"{n} x {n}", ms, $"{n * n * 4.0 * 2 / ms / 1e6:0.0} GB/s", "-");
        }
    }

    private (double Ms, float[] Result) Time(Func<Tensor> op, bool i32 = false)
    {
        float[] result = [];
        var times = new List<double>();
        for (int rep = 0; rep < (small ? 2 : 10); rep++)
        {
            var watch = Stopwatch.StartNew();
            using var y = op();
            backend.Synchronize();
            times.Add(watch.Elapsed.TotalMilliseconds);
            if (rep == 0) result = i32 ? Array.ConvertAll(y.ToArray<int>(), x => (float)x) : y.ToArray<float>();
        }
        times.RemoveAt(0); // the first run compiles kernels and warms caches
        times.Sort();
        return (times[times.Count / 2], result);
    }

    private static float[] Random(int seed, int count, float scale = 1)
    {
        var random = new System.Random(seed);
        var x = new float[count];
        for (int i = 0; i < count; i++) x[i] = (float)((random.NextDouble() * 2 - 1) * scale);
        return x;
    }
}
