using BenchmarkDotNet.Attributes;
using LlmLab.Backends;
using LlmLab.Tensors;

namespace LlmLab.Benchmarks;

/// <summary>
/// The optimizer ops over 10M parameters (about a GPT-2-small block stack's tenth; AdamW streams 4 tensors in and 3
/// out, 28 bytes a parameter: memory-bound), each against a plain single-threaded scalar loop.
/// </summary>
public abstract class OptimizerBenchmark
{
    protected const int Count = 10_000_000;

    [ParamsSource(nameof(Backends))]
    public string Backend { get; set; } = "cpu";

    public static IEnumerable<string> Backends => BenchBackends.Names;

    protected IBackend Device => BenchBackends.Get(Backend);

    protected static float[] Random(int seed, float scale)
    {
        var random = new System.Random(seed);
        var x = new float[Count];
        for (int i = 0; i < Count; i++) x[i] = (float)((random.NextDouble() * 2 - 1) * scale);
        return x;
    }
}

/// <summary>One AdamW step in place (weight decay 0.1, gradient scale 0.5) vs the textbook loop.</summary>
public class AdamWBenchmarks : OptimizerBenchmark
{
    private float[] _p = [], _g = [], _m = [], _v = [];
    private Tensor _tp = null!, _tg = null!, _tm = null!, _tv = null!;

    [GlobalSetup]
    public void Setup()
    {
        _p = Random(1, 1f);
        _g = Random(2, 0.01f);
        _m = new float[Count];
        _v = new float[Count];
        _tp = Tensor.From(Device, _p, Count);
        _tg = Tensor.From(Device, _g, Count);
        _tm = Tensor.Zeros(Device, new Shape(Count));
        _tv = Tensor.Zeros(Device, new Shape(Count));
    }

    [Benchmark(Baseline = true)]
    public void AdamWReferenceLoop()
    {
        const float lr = 1e-4f, beta1 = 0.9f, beta2 = 0.999f, eps = 1e-8f, wd = 0.1f, scale = 0.5f;
        float bc1 = 1 - beta1, bc2 = 1 - beta2; // step 1
        for (int i = 0; i < Count; i++)
        {
            float g = _g[i] * scale;
            _p[i] -= lr * wd * _p[i];
            _m[i] = beta1 * _m[i] + (1 - beta1) * g;
            _v[i] = beta2 * _v[i] + (1 - beta2) * g * g;
            _p[i] -= lr * (_m[i] / bc1) / (MathF.Sqrt(_v[i] / bc2) + eps);
        }
    }

    [Benchmark]
    public void AdamW()
    {
        Device.AdamW(_tp, _tg, _tm, _tv, new AdamWStep(1e-4f, 1, WeightDecay: 0.1f, GradientScale: 0.5f));
        Device.Synchronize();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _tp.Dispose();
        _tg.Dispose();
        _tm.Dispose();
        _tv.Dispose();
    }
}

/// <summary>Sum of squares of 10M gradients (one term of the global norm) vs a sequential double loop.</summary>
public class SumOfSquaresBenchmarks : OptimizerBenchmark
{
    private float[] _x = [];
    private Tensor _t = null!;

    [GlobalSetup]
    public void Setup()
    {
        _x = Random(3, 1f);
        _t = Tensor.From(Device, _x, Count);
    }

    [Benchmark(Baseline = true)]
    public double SumOfSquaresReferenceLoop()
    {
        double s = 0;
        foreach (float v in _x) s += v * v;
        return s;
    }

    [Benchmark]
    public void SumOfSquares()
    {
        using var y = Device.SumOfSquares(_t);
        Device.Synchronize();
    }

    [GlobalCleanup]
    public void Cleanup() => _t.Dispose();
}
