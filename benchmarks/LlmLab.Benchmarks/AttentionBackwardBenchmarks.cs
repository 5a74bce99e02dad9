using BenchmarkDotNet.Attributes;
using LlmLab.Backends;
using LlmLab.Tensors;

namespace LlmLab.Benchmarks;

/// <summary>
/// Causal attention backward (dQ, dK, dV by recomputation): B*H = 32 heads at T = 256, D = 64, and the GPT-CPU
/// training size (B = 12, H = 4, T = 64, D = 32), against a plain single-threaded scalar loop that materialises each
/// query's probability row (P, dP = dO V^T, dS = P (dP - D), then dQ, dK, dV).
/// </summary>
public class AttentionBackwardBenchmarks
{
    private float[] _q = [], _k = [], _v = [], _dO = [], _dq = [], _dk = [], _dv = [], _p = [], _ds = [];
    private IBackend _backend = null!;
    private Tensor _tq = null!, _tk = null!, _tv = null!, _to = null!, _tdO = null!;
    private readonly AttentionOptions _causal = new() { Causal = true };

    [ParamsSource(nameof(Backends))]
    public string Backend { get; set; } = "cpu";

    public static IEnumerable<string> Backends => BenchBackends.Names;

    /// <summary>heads32-T256-D64 (B 1, H 32) or gpt-cpu (B 12, H 4, T 64, D 32); both causal.</summary>
    [Params("heads32-T256-D64", "gpt-cpu")]
    public string Case { get; set; } = "heads32-T256-D64";

    private int Batch => Case == "gpt-cpu" ? 12 : 1;
    private int Heads => Case == "gpt-cpu" ? 4 : 32;
    private int Length => Case == "gpt-cpu" ? 64 : 256;
    private int Dim => Case == "gpt-cpu" ? 32 : 64;

    [GlobalSetup]
    public void Setup()
    {
        var random = new System.Random(1);
        float[] Fill(int n) => Enumerable.Range(0, n).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        int n = Batch * Heads * Length * Dim;
        _q = Fill(n);
        _k = Fill(n);
        _v = Fill(n);
        _dO = Fill(n);
        _dq = new float[n];
        _dk = new float[n];
        _dv = new float[n];
        _p = new float[Length];
        _ds = new float[Length];
        _backend = BenchBackends.Get(Backend);
        _tq = Tensor.From(_backend, _q, Batch, Heads, Length, Dim);
        _tk = Tensor.From(_backend, _k, Batch, Heads, Length, Dim);
        _tv = Tensor.From(_backend, _v, Batch, Heads, Length, Dim);
        _tdO = Tensor.From(_backend, _dO, Batch, Heads, Length, Dim);
        _to = _backend.Attention(_tq, _tk, _tv, _causal);
    }

    [Benchmark(Baseline = true)]
    public void ReferenceLoop()
    {
        int t = Length, dim = Dim;
        float scale = 1f / MathF.Sqrt(dim);
        Array.Clear(_dq);
        Array.Clear(_dk);
        Array.Clear(_dv);
        for (int bh = 0; bh < Batch * Heads; bh++)
            for (int i = 0; i < t; i++)
            {
                int qRow = (bh * t + i) * dim;
                float max = float.NegativeInfinity, sum = 0, rowDot = 0;
                for (int j = 0; j <= i; j++)
                {
                    float dot = 0;
                    for (int d = 0; d < dim; d++) dot += _q[qRow + d] * _k[(bh * t + j) * dim + d];
                    _p[j] = dot * scale;
                    max = MathF.Max(max, _p[j]);
                }
                for (int j = 0; j <= i; j++) sum += _p[j] = MathF.Exp(_p[j] - max);
                for (int j = 0; j <= i; j++)
                {
                    _p[j] /= sum;
                    float dp = 0;
                    for (int d = 0; d < dim; d++) dp += _dO[qRow + d] * _v[(bh * t + j) * dim + d];
                    _ds[j] = dp;
                    rowDot += _p[j] * dp;
                }
                for (int j = 0; j <= i; j++)
                {
                    float ds = _p[j] * (_ds[j] - rowDot) * scale;
                    int kRow = (bh * t + j) * dim;
                    for (int d = 0; d < dim; d++)
                    {
                        _dq[qRow + d] += ds * _k[kRow + d];
                        _dk[kRow + d] += ds * _q[qRow + d];
                        _dv[kRow + d] += _p[j] * _dO[qRow + d];
                    }
                }
            }
    }

    [Benchmark]
    public void AttentionBackward()
    {
        var g = _backend.AttentionBackward(_tq, _tk, _tv, _to, _tdO, _causal);
        _backend.Synchronize();
        g.Query.Dispose();
        g.Key.Dispose();
        g.Value.Dispose();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _tq.Dispose();
        _tk.Dispose();
        _tv.Dispose();
        _to.Dispose();
        _tdO.Dispose();
    }
}
