using BenchmarkDotNet.Attributes;
using LlmLab.Backends;
using LlmLab.Tensors;

namespace LlmLab.Benchmarks;

/// <summary>GELU over a GPT-2-small MLP activation (batch 8 x 256 tokens x 3072), against a plain scalar loop.</summary>
public class ElementwiseBenchmarks
{
    private const int Count = 8 * 256 * 3072;
    private float[] _host = [];
    private float[] _out = [];
    private IBackend _backend = null!;
    private Tensor _x = null!;

    [ParamsSource(nameof(Backends))]
    public string Backend { get; set; } = "cpu";

    public static IEnumerable<string> Backends => BenchBackends.Names;

    [GlobalSetup]
    public void Setup()
    {
        var random = new System.Random(1);
        _host = Enumerable.Range(0, Count).Select(_ => (float)(random.NextDouble() * 8 - 4)).ToArray();
        _out = new float[Count];
        _backend = BenchBackends.Get(Backend);
        _x = Tensor.From(_backend, _host, Count);
    }

    [Benchmark(Baseline = true)]
    public void GeluReferenceLoop()
    {
        for (int i = 0; i < _host.Length; i++)
        {
            float v = _host[i];
            _out[i] = 0.5f * v * (1f + MathF.Tanh(0.7978845608f * (v + 0.044715f * v * v * v)));
        }
    }

    [Benchmark]
    public void Gelu()
    {
        using var y = _backend.Gelu(_x);
        _backend.Synchronize();
    }

    [GlobalCleanup]
    public void Cleanup() => _x.Dispose();
}
