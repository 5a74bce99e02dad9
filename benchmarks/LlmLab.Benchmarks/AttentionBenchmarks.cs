using BenchmarkDotNet.Attributes;
using LlmLab.Backends;
using LlmLab.Tensors;

namespace LlmLab.Benchmarks;

/// <summary>
/// Fused attention (B = 1, 32 heads, head dim 64): causal prefill at T = 256 and T = 1024, and one decode step
/// (1 query over 1024 keys), against a plain single-threaded scalar loop that materialises each score row
/// (softmax(q k^T / sqrt(d)) v, causal).
/// </summary>
public class AttentionBenchmarks
{
    private const int Heads = 32, Dim = 64;
    private float[] _q = [], _k = [], _v = [], _out = [], _scores = [];
    private IBackend _backend = null!;
    private Tensor _tq = null!, _tk = null!, _tv = null!;
    private readonly AttentionOptions _causal = new() { Causal = true };

    [ParamsSource(nameof(Backends))]
    public string Backend { get; set; } = "cpu";

    public static IEnumerable<string> Backends => BenchBackends.Names;

    /// <summary>prefill-256, prefill-1024 (Tq = Tk = T) or decode-1024 (Tq = 1, Tk = 1024).</summary>
    [Params("prefill-256", "prefill-1024", "decode-1024")]
    public string Case { get; set; } = "prefill-256";

    private int QueryLength => Case == "decode-1024" ? 1 : KeyLength;
    private int KeyLength => Case == "prefill-256" ? 256 : 1024;

    [GlobalSetup]
    public void Setup()
    {
        var random = new System.Random(1);
        float[] Fill(int n) => Enumerable.Range(0, n).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        _q = Fill(Heads * QueryLength * Dim);
        _k = Fill(Heads * KeyLength * Dim);
        _v = Fill(Heads * KeyLength * Dim);
        _out = new float[_q.Length];
        _scores = new float[KeyLength];
        _backend = BenchBackends.Get(Backend);
        _tq = Tensor.From(_backend, _q, 1, Heads, QueryLength, Dim);
        _tk = Tensor.From(_backend, _k, 1, Heads, KeyLength, Dim);
        _tv = Tensor.From(_backend, _v, 1, Heads, KeyLength, Dim);
    }

    [Benchmark(Baseline = true)]
    public void ReferenceLoop()
    {
        int tq = QueryLength, tk = KeyLength;
        float scale = 1f / MathF.Sqrt(Dim);
        Array.Clear(_out);
        for (int h = 0; h < Heads; h++)
            for (int i = 0; i < tq; i++)
            {
                int last = tk - tq + i, qRow = (h * tq + i) * Dim;
                float max = float.NegativeInfinity, sum = 0;
                for (int j = 0; j <= last; j++)
                {
                    float dot = 0;
                    for (int d = 0; d < Dim; d++) dot += _q[qRow + d] * _k[(h * tk + j) * Dim + d];
                    _scores[j] = dot * scale;
                    max = MathF.Max(max, _scores[j]);
                }
                for (int j = 0; j <= last; j++) sum += _scores[j] = MathF.Exp(_scores[j] - max);
                for (int j = 0; j <= last; j++)
                {
                    float p = _scores[j] / sum;
                    for (int d = 0; d < Dim; d++) _out[qRow + d] += p * _v[(h * tk + j) * Dim + d];
                }
            }
    }

    [Benchmark]
    public void Attention()
    {
        using var y = _backend.Attention(_tq, _tk, _tv, _causal);
        _backend.Synchronize();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _tq.Dispose();
        _tk.Dispose();
        _tv.Dispose();
    }
}
