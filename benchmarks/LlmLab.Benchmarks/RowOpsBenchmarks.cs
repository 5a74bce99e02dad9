using BenchmarkDotNet.Attributes;
using LlmLab.Backends;
using LlmLab.Tensors;

namespace LlmLab.Benchmarks;

/// <summary>
/// The row-wise ops at GPT-2-small sizes (vocabulary 50257, width 768, 12 heads of 64, batch 8 x 256 tokens), each
/// against a plain single-threaded scalar loop. Each class is one op, so each has its own baseline.
/// </summary>
public abstract class RowOpsBenchmark
{
    protected const int Vocabulary = 50257, Width = 768, Tokens = 8 * 256;

    [ParamsSource(nameof(Backends))]
    public string Backend { get; set; } = "cpu";

    public static IEnumerable<string> Backends => BenchBackends.Names;

    protected IBackend Device => BenchBackends.Get(Backend);

    protected static float[] Random(int seed, long count, float scale)
    {
        var random = new System.Random(seed);
        var x = new float[count];
        for (long i = 0; i < count; i++) x[i] = (float)((random.NextDouble() * 2 - 1) * scale);
        return x;
    }

    protected static int[] Ids(int seed, int count, int max)
    {
        var random = new System.Random(seed);
        return Enumerable.Range(0, count).Select(_ => random.Next(max)).ToArray();
    }

    /// <summary>The reference softmax of one row, as a textbook writes it.</summary>
    protected static void ScalarSoftmax(ReadOnlySpan<float> x, Span<float> y)
    {
        float max = float.NegativeInfinity;
        foreach (float v in x) max = MathF.Max(max, v);
        float sum = 0;
        for (int j = 0; j < x.Length; j++) sum += y[j] = MathF.Exp(x[j] - max);
        for (int j = 0; j < x.Length; j++) y[j] /= sum;
    }
}

/// <summary>Softmax over [64, 50257] (a batch of next-token distributions).</summary>
public class SoftmaxBenchmarks : RowOpsBenchmark
{
    private const int Rows = 64;
    private float[] _host = [], _out = [];
    private Tensor _x = null!;

    [GlobalSetup]
    public void Setup()
    {
        _host = Random(1, (long)Rows * Vocabulary, 10);
        _out = new float[_host.Length];
        _x = Tensor.From(Device, _host, Rows, Vocabulary);
    }

    [Benchmark(Baseline = true)]
    public void ScalarLoop()
    {
        for (int r = 0; r < Rows; r++)
            ScalarSoftmax(_host.AsSpan(r * Vocabulary, Vocabulary), _out.AsSpan(r * Vocabulary, Vocabulary));
    }

    [Benchmark]
    public void Softmax()
    {
        using var y = Device.Softmax(_x);
        Device.Synchronize();
    }

    [GlobalCleanup]
    public void Cleanup() => _x.Dispose();
}

/// <summary>Log-softmax over [64, 50257].</summary>
public class LogSoftmaxBenchmarks : RowOpsBenchmark
{
    private const int Rows = 64;
    private float[] _host = [], _out = [];
    private Tensor _x = null!;

    [GlobalSetup]
    public void Setup()
    {
        _host = Random(2, (long)Rows * Vocabulary, 10);
        _out = new float[_host.Length];
        _x = Tensor.From(Device, _host, Rows, Vocabulary);
    }

    [Benchmark(Baseline = true)]
    public void ScalarLoop()
    {
        for (int r = 0; r < Rows; r++)
        {
            var x = _host.AsSpan(r * Vocabulary, Vocabulary);
            float max = float.NegativeInfinity;
            foreach (float v in x) max = MathF.Max(max, v);
            float sum = 0;
            foreach (float v in x) sum += MathF.Exp(v - max);
            float logSum = MathF.Log(sum);
            for (int j = 0; j < x.Length; j++) _out[r * Vocabulary + j] = x[j] - max - logSum;
        }
    }

    [Benchmark]
    public void LogSoftmax()
    {
        using var y = Device.LogSoftmax(_x);
        Device.Synchronize();
    }

    [GlobalCleanup]
    public void Cleanup() => _x.Dispose();
}

/// <summary>LayerNorm with bias over [8 x 256, 768].</summary>
public class LayerNormBenchmarks : RowOpsBenchmark
{
    private float[] _host = [], _weight = [], _bias = [], _out = [];
    private Tensor _x = null!, _w = null!, _b = null!;

    [GlobalSetup]
    public void Setup()
    {
        _host = Random(3, (long)Tokens * Width, 3);
        _weight = Random(4, Width, 1);
        _bias = Random(5, Width, 1);
        _out = new float[_host.Length];
        _x = Tensor.From(Device, _host, Tokens, Width);
        _w = Tensor.From(Device, _weight, Width);
        _b = Tensor.From(Device, _bias, Width);
    }

    [Benchmark(Baseline = true)]
    public void ScalarLoop()
    {
        for (int r = 0; r < Tokens; r++)
        {
            var x = _host.AsSpan(r * Width, Width);
            float mean = 0, variance = 0;
            foreach (float v in x) mean += v;
            mean /= Width;
            foreach (float v in x) variance += (v - mean) * (v - mean);
            float inverseStd = 1f / MathF.Sqrt(variance / Width + 1e-5f);
            for (int j = 0; j < Width; j++) _out[r * Width + j] = (x[j] - mean) * inverseStd * _weight[j] + _bias[j];
        }
    }

    [Benchmark]
    public void LayerNorm()
    {
        using var y = Device.LayerNorm(_x, _w, _b);
        Device.Synchronize();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _x.Dispose();
        _w.Dispose();
        _b.Dispose();
    }
}

/// <summary>RmsNorm over [8 x 256, 768].</summary>
public class RmsNormBenchmarks : RowOpsBenchmark
{
    private float[] _host = [], _weight = [], _out = [];
    private Tensor _x = null!, _w = null!;

    [GlobalSetup]
    public void Setup()
    {
        _host = Random(6, (long)Tokens * Width, 3);
        _weight = Random(7, Width, 1);
        _out = new float[_host.Length];
        _x = Tensor.From(Device, _host, Tokens, Width);
        _w = Tensor.From(Device, _weight, Width);
    }

    [Benchmark(Baseline = true)]
    public void ScalarLoop()
    {
        for (int r = 0; r < Tokens; r++)
        {
            var x = _host.AsSpan(r * Width, Width);
            float meanSquare = 0;
            foreach (float v in x) meanSquare += v * v;
            float inverseRms = 1f / MathF.Sqrt(meanSquare / Width + 1e-6f);
            for (int j = 0; j < Width; j++) _out[r * Width + j] = x[j] * inverseRms * _weight[j];
        }
    }

    [Benchmark]
    public void RmsNorm()
    {
        using var y = Device.RmsNorm(_x, _w);
        Device.Synchronize();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _x.Dispose();
        _w.Dispose();
    }
}

/// <summary>Rope on queries [8, 12, 256, 64] at positions [256].</summary>
public class RopeBenchmarks : RowOpsBenchmark
{
    private const int Batch = 8, Heads = 12, Time = 256, Dim = 64;
    private float[] _host = [], _out = [];
    private int[] _positions = [];
    private Tensor _x = null!, _p = null!;

    [GlobalSetup]
    public void Setup()
    {
        _host = Random(8, (long)Batch * Heads * Time * Dim, 1);
        _out = new float[_host.Length];
        _positions = Enumerable.Range(0, Time).ToArray();
        _x = Tensor.From(Device, _host, Batch, Heads, Time, Dim);
        _p = Tensor.From(Device, _positions, Time);
    }

    [Benchmark(Baseline = true)]
    public void ScalarLoop()
    {
        const int Half = Dim / 2;
        for (int row = 0; row < Batch * Heads * Time; row++)
        {
            int at = row * Dim;
            double position = _positions[row % Time];
            for (int i = 0; i < Half; i++)
            {
                double angle = position * Math.Pow(10000.0, -2.0 * i / Dim);
                float cos = (float)Math.Cos(angle), sin = (float)Math.Sin(angle);
                float a = _host[at + i], b = _host[at + i + Half];
                _out[at + i] = a * cos - b * sin;
                _out[at + i + Half] = b * cos + a * sin;
            }
        }
    }

    [Benchmark]
    public void Rope()
    {
        using var y = Device.Rope(_x, _p);
        Device.Synchronize();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _x.Dispose();
        _p.Dispose();
    }
}

/// <summary>Embedding gather of 8 x 256 token ids from a [50257, 768] table.</summary>
public class EmbeddingBenchmarks : RowOpsBenchmark
{
    private float[] _table = [], _out = [];
    private int[] _ids = [];
    private Tensor _t = null!, _i = null!;

    [GlobalSetup]
    public void Setup()
    {
        _table = Random(9, (long)Vocabulary * Width, 1);
        _ids = Ids(10, Tokens, Vocabulary);
        _out = new float[Tokens * Width];
        _t = Tensor.From(Device, _table, Vocabulary, Width);
        _i = Tensor.From(Device, _ids, 8, 256);
    }

    [Benchmark(Baseline = true)]
    public void ScalarLoop()
    {
        for (int k = 0; k < _ids.Length; k++)
            for (int j = 0; j < Width; j++)
                _out[k * Width + j] = _table[_ids[k] * Width + j];
    }

    [Benchmark]
    public void Embedding()
    {
        using var y = Device.Embedding(_t, _i);
        Device.Synchronize();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _t.Dispose();
        _i.Dispose();
    }
}

/// <summary>Per-row cross-entropy of logits [8 x 256, 50257] (a language-model loss over one batch).</summary>
public class CrossEntropyBenchmarks : RowOpsBenchmark
{
    private float[] _host = [], _out = [];
    private int[] _targets = [];
    private Tensor _x = null!, _t = null!;

    [GlobalSetup]
    public void Setup()
    {
        _host = Random(11, (long)Tokens * Vocabulary, 10);
        _targets = Ids(12, Tokens, Vocabulary);
        _out = new float[Tokens];
        _x = Tensor.From(Device, _host, Tokens, Vocabulary);
        _t = Tensor.From(Device, _targets, Tokens);
    }

    [Benchmark(Baseline = true)]
    public void ScalarLoop()
    {
        for (int r = 0; r < Tokens; r++)
        {
            var x = _host.AsSpan(r * Vocabulary, Vocabulary);
            float max = float.NegativeInfinity;
            foreach (float v in x) max = MathF.Max(max, v);
            float sum = 0;
            foreach (float v in x) sum += MathF.Exp(v - max);
            _out[r] = MathF.Log(sum) + max - x[_targets[r]];
        }
    }

    [Benchmark]
    public void CrossEntropy()
    {
        using var y = Device.CrossEntropy(_x, _t);
        Device.Synchronize();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _x.Dispose();
        _t.Dispose();
    }
}
