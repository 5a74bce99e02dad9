using BenchmarkDotNet.Attributes;
using LlmLab.Backends;
using LlmLab.Random;
using LlmLab.Tensors;

namespace LlmLab.Benchmarks;

/// <summary>
/// Hugging Face sampling over GPT-2's vocabulary for a batch of 64 (top-k 50, top-p 0.9, temperature 0.8, then a
/// draw; docs/performance.md: PyTorch 0.835 ms on an H100), top-p alone (the threshold-search path), the warpers alone and
/// argmax, against a plain single-threaded scalar reference that sorts every row in full.
/// </summary>
public class SamplingBenchmarks
{
    private const int Batch = 64, Vocab = 50257;
    private static readonly SamplingOptions Goal = new() { Temperature = 0.8f, TopK = 50, TopP = 0.9f };
    private static readonly SamplingOptions TopPOnly = new() { TopP = 0.9f };

    private float[] _host = [];
    private IBackend _backend = null!;
    private Tensor _logits = null!;
    private long _step;

    [ParamsSource(nameof(Backends))]
    public string Backend { get; set; } = "cpu";

    public static IEnumerable<string> Backends => BenchBackends.Names;

    [GlobalSetup]
    public void Setup()
    {
        var random = new System.Random(1);
        _host = new float[Batch * Vocab];
        for (int i = 0; i < _host.Length; i++)
        {
            double u = 1 - random.NextDouble(), v = random.NextDouble();
            _host[i] = (float)(Math.Sqrt(-2 * Math.Log(u)) * Math.Cos(2 * Math.PI * v) * 3);
        }
        _backend = BenchBackends.Get(Backend);
        _logits = Tensor.From(_backend, _host, Batch, Vocab);
    }

    /// <summary>Temperature, a full descending sort for the k-th value, a full ascending sort for top-p, then a draw.</summary>
    [Benchmark(Baseline = true)]
    public int ReferenceFullSort()
    {
        int checksum = 0;
        var x = new float[Vocab];
        var keys = new float[Vocab];
        var order = new int[Vocab];
        for (int r = 0; r < Batch; r++)
        {
            for (int i = 0; i < Vocab; i++) x[i] = _host[r * Vocab + i] / Goal.Temperature;
            Array.Copy(x, keys, Vocab);
            Array.Sort(keys);
            float kth = keys[Vocab - Goal.TopK];
            for (int i = 0; i < Vocab; i++) if (x[i] < kth) x[i] = float.NegativeInfinity;

            for (int i = 0; i < Vocab; i++) order[i] = i;
            Array.Copy(x, keys, Vocab);
            Array.Sort(keys, order);
            float max = keys[Vocab - 1];
            double total = 0;
            for (int i = 0; i < Vocab; i++) total += MathF.Exp(keys[i] - max);
            double cumulative = 0;
            for (int j = 0; j < Vocab - 1; j++)
            {
                cumulative += MathF.Exp(keys[j] - max) / total;
                if ((float)cumulative <= 1 - Goal.TopP) x[order[j]] = float.NegativeInfinity;
            }

            double kept = 0;
            for (int i = 0; i < Vocab; i++) kept += MathF.Exp(x[i] - max);
            double target = Philox.Uniform(1, (ulong)_step, (uint)r, 0) * kept, running = 0;
            for (int i = 0; i < Vocab; i++)
            {
                running += MathF.Exp(x[i] - max);
                if (running > target)
                {
                    checksum += i;
                    break;
                }
            }
        }
        _step++;
        return checksum;
    }

    [Benchmark]
    public void Sample()
    {
        using var tokens = _backend.Sample(_logits, Goal, null, 1, _step++);
        _backend.Synchronize();
    }

    [Benchmark]
    public void SampleTopPOnly()
    {
        using var tokens = _backend.Sample(_logits, TopPOnly, null, 1, _step++);
        _backend.Synchronize();
    }

    [Benchmark]
    public void ApplyWarpers()
    {
        using var warped = _backend.ApplyWarpers(_logits, Goal);
        _backend.Synchronize();
    }

    [Benchmark]
    public void Argmax()
    {
        using var tokens = _backend.Argmax(_logits);
        _backend.Synchronize();
    }

    [GlobalCleanup]
    public void Cleanup() => _logits.Dispose();
}
