using BenchmarkDotNet.Attributes;
using LlmLab.Backends;
using LlmLab.Tensors;

namespace LlmLab.Benchmarks;

/// <summary>
/// LoRA on GPT-2 small's attention projection (c_attn: 768 -> 2304) over 8 x 256 tokens, rank 8: the fused
/// LoraLinear, the same result from separate ops (x W^T, then (x A^T) B^T scaled and added: a second pass over y),
/// and merging the adapter into W. Baseline: the fused formula as plain scalar loops on one thread over 64 of the
/// rows. As in <see cref="MatMulBenchmarks"/>, work is counted in units of 2^20 flops, so Ratio compares cost per flop.
/// </summary>
[Config(typeof(FlopsConfig))]
public class LoraBenchmarks
{
    private const int Rows = 8 * 256, In = 768, Out = 2304, Rank = 8, LoopRows = 64;
    private const float Scale = 16f / Rank;
    private const long LayerFlops = 2L * Rows * (In * Out + In * Rank + Rank * Out);
    private IBackend _backend = null!;
    private Tensor _x = null!, _w = null!, _bias = null!, _a = null!, _b = null!;
    private float[] _hx = [], _hw = [], _ha = [], _hb = [], _hy = [];

    [ParamsSource(nameof(Backends))]
    public string Backend { get; set; } = "cpu";

    public static IEnumerable<string> Backends => BenchBackends.Names;

    [GlobalSetup]
    public void Setup()
    {
        _backend = BenchBackends.Get(Backend);
        _hx = Host(1, Rows * In);
        _hw = Host(2, Out * In);
        _ha = Host(3, Rank * In);
        _hb = Host(4, Out * Rank);
        _hy = new float[LoopRows * Out];
        _x = Tensor.From(_backend, _hx, Rows, In);
        _w = Tensor.From(_backend, _hw, Out, In);
        _bias = Tensor.From(_backend, Host(5, Out), Out);
        _a = Tensor.From(_backend, _ha, Rank, In);
        _b = Tensor.From(_backend, _hb, Out, Rank);
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = (int)(2L * LoopRows * (In * Out + In * Rank + Rank * Out) / (1 << 20)))]
    public void ReferenceLoop64Rows()
    {
        Span<float> xa = stackalloc float[Rank];
        for (int r = 0; r < LoopRows; r++)
        {
            for (int t = 0; t < Rank; t++)
            {
                float s = 0;
                for (int k = 0; k < In; k++) s += _hx[r * In + k] * _ha[t * In + k];
                xa[t] = s;
            }
            for (int j = 0; j < Out; j++)
            {
                float s = 0, u = 0;
                for (int k = 0; k < In; k++) s += _hx[r * In + k] * _hw[j * In + k];
                for (int t = 0; t < Rank; t++) u += xa[t] * _hb[j * Rank + t];
                _hy[r * Out + j] = s + Scale * u;
            }
        }
    }

    [Benchmark(OperationsPerInvoke = (int)(LayerFlops / (1 << 20)))]
    public void LoraLinear()
    {
        using var y = _backend.LoraLinear(_x, _w, _bias, _a, _b, Scale);
        _backend.Synchronize();
    }

    [Benchmark(OperationsPerInvoke = (int)(LayerFlops / (1 << 20)))]
    public void LoraUnfused()
    {
        using var main = _backend.MatMul(_x, _w, transposeB: true, bias: _bias);
        using var xa = _backend.MatMul(_x, _a, transposeB: true);
        using var update = _backend.MatMul(xa, _b, transposeB: true);
        using var scaled = _backend.Scale(update, Scale);
        using var y = _backend.Add(main, scaled);
        _backend.Synchronize();
    }

    /// <summary>W += scale B A and back (two merges, so W stays the same across iterations).</summary>
    [Benchmark(OperationsPerInvoke = (int)(2 * 2L * Out * In * Rank / (1 << 20)))]
    public void MergeAndUnmerge()
    {
        _backend.LoraMerge(_w, _a, _b, Scale);
        _backend.LoraMerge(_w, _a, _b, -Scale);
        _backend.Synchronize();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var t in new[] { _x, _w, _bias, _a, _b }) t.Dispose();
    }

    private static float[] Host(int seed, int count)
    {
        var random = new System.Random(seed);
        var x = new float[count];
        for (int i = 0; i < count; i++) x[i] = (float)(random.NextDouble() * 2 - 1) * 0.1f;
        return x;
    }
}
