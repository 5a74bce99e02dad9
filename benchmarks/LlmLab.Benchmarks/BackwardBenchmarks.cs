using BenchmarkDotNet.Attributes;
using LlmLab.Backends;
using LlmLab.Tensors;

namespace LlmLab.Benchmarks;

/// <summary>
/// The backward passes at GPT-2-small sizes (<see cref="RowOpsBenchmark"/>: vocabulary 50257, width 768, 12 heads of
/// 64, batch 8 x 256 tokens), each against a plain single-threaded scalar loop. One class per op (its own baseline).
/// </summary>
public abstract class BackwardBenchmark : RowOpsBenchmark
{
    protected readonly List<Tensor> Inputs = [];

    protected Tensor Upload(float[] values, params int[] shape)
    {
        var t = Tensor.From(Device, values, shape);
        Inputs.Add(t);
        return t;
    }

    protected Tensor Upload(int[] values, params int[] shape)
    {
        var t = Tensor.From(Device, values, shape);
        Inputs.Add(t);
        return t;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var t in Inputs) t.Dispose();
        Inputs.Clear();
    }
}

/// <summary>GELU backward over the MLP activation [2048, 3072].</summary>
public class GeluBackwardBenchmarks : BackwardBenchmark
{
    private const int Count = Tokens * 3072;
    private float[] _x = [], _dy = [], _out = [];
    private Tensor _tx = null!, _tdy = null!;

    [GlobalSetup]
    public void Setup()
    {
        _x = Random(1, Count, 4);
        _dy = Random(2, Count, 1);
        _out = new float[Count];
        _tx = Upload(_x, Count);
        _tdy = Upload(_dy, Count);
    }

    [Benchmark(Baseline = true)]
    public void ReferenceLoop()
    {
        for (int i = 0; i < Count; i++)
        {
            float v = _x[i];
            float t = MathF.Tanh(0.7978845608f * (v + 0.044715f * v * v * v));
            _out[i] = (0.5f * (1 + t) + 0.5f * v * (1 - t * t) * 0.7978845608f * (1 + 3 * 0.044715f * v * v)) * _dy[i];
        }
    }

    [Benchmark]
    public void GeluBackward()
    {
        using var dx = Device.GeluBackward(_tx, _tdy);
        Device.Synchronize();
    }
}

/// <summary>A bias gradient: the sum over 2048 token rows of [2048, 3072].</summary>
public class SumLeadingBenchmarks : BackwardBenchmark
{
    private const int Width3072 = 3072;
    private float[] _x = [], _out = [];
    private Tensor _tx = null!;

    [GlobalSetup]
    public void Setup()
    {
        _x = Random(3, (long)Tokens * Width3072, 1);
        _out = new float[Width3072];
        _tx = Upload(_x, Tokens, Width3072);
    }

    [Benchmark(Baseline = true)]
    public void ReferenceLoop()
    {
        Array.Clear(_out);
        for (int r = 0; r < Tokens; r++)
            for (int j = 0; j < Width3072; j++) _out[j] += _x[r * Width3072 + j];
    }

    [Benchmark]
    public void SumLeading()
    {
        using var y = Device.SumLeading(_tx);
        Device.Synchronize();
    }
}

/// <summary>Softmax backward over attention probabilities [8 x 12 x 256, 256].</summary>
public class SoftmaxBackwardBenchmarks : BackwardBenchmark
{
    private const int Rows = 8 * 12 * 256, Keys = 256;
    private float[] _y = [], _dy = [], _out = [];
    private Tensor _ty = null!, _tdy = null!;

    [GlobalSetup]
    public void Setup()
    {
        _y = Random(4, (long)Rows * Keys, 1).Select(MathF.Abs).ToArray();
        _dy = Random(5, (long)Rows * Keys, 1);
        _out = new float[_y.Length];
        _ty = Upload(_y, Rows, Keys);
        _tdy = Upload(_dy, Rows, Keys);
    }

    [Benchmark(Baseline = true)]
    public void ReferenceLoop()
    {
        for (int at = 0; at < _y.Length; at += Keys)
        {
            float s = 0;
            for (int j = 0; j < Keys; j++) s += _dy[at + j] * _y[at + j];
            for (int j = 0; j < Keys; j++) _out[at + j] = _y[at + j] * (_dy[at + j] - s);
        }
    }

    [Benchmark]
    public void SoftmaxBackward()
    {
        using var dx = Device.SoftmaxBackward(_ty, _tdy);
        Device.Synchronize();
    }
}

/// <summary>LayerNorm backward over [2048, 768] (input, weight and bias gradients).</summary>
public class LayerNormBackwardBenchmarks : BackwardBenchmark
{
    private float[] _x = [], _w = [], _dy = [], _dx = [], _dw = [], _db = [];
    private Tensor _tx = null!, _tw = null!, _tdy = null!;

    [GlobalSetup]
    public void Setup()
    {
        _x = Random(6, (long)Tokens * Width, 2);
        _w = Random(7, Width, 1);
        _dy = Random(8, (long)Tokens * Width, 1);
        _dx = new float[_x.Length];
        _dw = new float[Width];
        _db = new float[Width];
        _tx = Upload(_x, Tokens, Width);
        _tw = Upload(_w, Width);
        _tdy = Upload(_dy, Tokens, Width);
    }

    [Benchmark(Baseline = true)]
    public void ReferenceLoop()
    {
        Array.Clear(_dw);
        Array.Clear(_db);
        for (int at = 0; at < _x.Length; at += Width)
        {
            float mean = 0, variance = 0;
            for (int j = 0; j < Width; j++) mean += _x[at + j];
            mean /= Width;
            for (int j = 0; j < Width; j++) variance += (_x[at + j] - mean) * (_x[at + j] - mean);
            float inverseStd = 1 / MathF.Sqrt(variance / Width + 1e-5f);
            float meanG = 0, meanGX = 0;
            for (int j = 0; j < Width; j++)
            {
                float xhat = (_x[at + j] - mean) * inverseStd, g = _dy[at + j] * _w[j];
                meanG += g;
                meanGX += g * xhat;
                _dw[j] += _dy[at + j] * xhat;
                _db[j] += _dy[at + j];
            }
            meanG /= Width;
            meanGX /= Width;
            for (int j = 0; j < Width; j++)
                _dx[at + j] = (_dy[at + j] * _w[j] - meanG - (_x[at + j] - mean) * inverseStd * meanGX) * inverseStd;
        }
    }

    [Benchmark]
    public void LayerNormBackward()
    {
        var g = Device.LayerNormBackward(_tx, _tw, _tdy);
        Device.Synchronize();
        g.Input.Dispose();
        g.Weight.Dispose();
        g.Bias?.Dispose();
    }
}

/// <summary>Embedding backward: 2048 token gradients of width 768 into a 50257-row table.</summary>
public class EmbeddingBackwardBenchmarks : BackwardBenchmark
{
    private int[] _ids = [];
    private float[] _dy = [], _out = [];
    private Tensor _tids = null!, _tdy = null!;

    [GlobalSetup]
    public void Setup()
    {
        _ids = Ids(9, Tokens, Vocabulary);
        _dy = Random(10, (long)Tokens * Width, 1);
        _out = new float[(long)Vocabulary * Width];
        _tids = Upload(_ids, Tokens);
        _tdy = Upload(_dy, Tokens, Width);
    }

    [Benchmark(Baseline = true)]
    public void ReferenceLoop()
    {
        Array.Clear(_out);
        for (int k = 0; k < Tokens; k++)
            for (int j = 0; j < Width; j++) _out[(long)_ids[k] * Width + j] += _dy[k * Width + j];
    }

    [Benchmark]
    public void EmbeddingBackward()
    {
        using var g = Device.EmbeddingBackward(_tids, _tdy, Vocabulary);
        Device.Synchronize();
    }
}

/// <summary>Rope backward on queries [8, 12, 256, 64].</summary>
public class RopeBackwardBenchmarks : BackwardBenchmark
{
    private const int Heads = 12, Time = 256, Dim = 64, Batch = 8;
    private float[] _dy = [], _out = [];
    private Tensor _tdy = null!, _tp = null!;

    [GlobalSetup]
    public void Setup()
    {
        _dy = Random(11, (long)Batch * Heads * Time * Dim, 1);
        _out = new float[_dy.Length];
        _tdy = Upload(_dy, Batch, Heads, Time, Dim);
        _tp = Upload(Enumerable.Range(0, Time).ToArray(), Time);
    }

    [Benchmark(Baseline = true)]
    public void ReferenceLoop()
    {
        const int half = Dim / 2;
        for (int row = 0; row < Batch * Heads * Time; row++)
        {
            int t = row % Time, at = row * Dim;
            for (int i = 0; i < half; i++)
            {
                float angle = -t * MathF.Pow(10000f, -2f * i / Dim);
                float c = MathF.Cos(angle), s = MathF.Sin(angle);
                float a = _dy[at + i], b = _dy[at + i + half];
                _out[at + i] = a * c - b * s;
                _out[at + i + half] = b * c + a * s;
            }
        }
    }

    [Benchmark]
    public void RopeBackward()
    {
        using var dx = Device.RopeBackward(_tdy, _tp);
        Device.Synchronize();
    }
}

/// <summary>Cross-entropy backward over next-token logits [512, 50257].</summary>
public class CrossEntropyBackwardBenchmarks : BackwardBenchmark
{
    private const int Rows = 512;
    private float[] _logits = [], _gradLoss = [], _out = [];
    private int[] _targets = [];
    private Tensor _tl = null!, _tt = null!, _tg = null!;

    [GlobalSetup]
    public void Setup()
    {
        _logits = Random(12, (long)Rows * Vocabulary, 10);
        _targets = Ids(13, Rows, Vocabulary);
        _gradLoss = Enumerable.Repeat(1f / Rows, Rows).ToArray();
        _out = new float[_logits.Length];
        _tl = Upload(_logits, Rows, Vocabulary);
        _tt = Upload(_targets, Rows);
        _tg = Upload(_gradLoss, Rows);
    }

    [Benchmark(Baseline = true)]
    public void ReferenceLoop()
    {
        for (int r = 0; r < Rows; r++)
        {
            var row = _logits.AsSpan(r * Vocabulary, Vocabulary);
            var dx = _out.AsSpan(r * Vocabulary, Vocabulary);
            ScalarSoftmax(row, dx);
            dx[_targets[r]] -= 1f;
            for (int j = 0; j < Vocabulary; j++) dx[j] *= _gradLoss[r];
        }
    }

    [Benchmark]
    public void CrossEntropyBackward()
    {
        using var dx = Device.CrossEntropyBackward(_tl, _tt, _tg);
        Device.Synchronize();
    }
}
