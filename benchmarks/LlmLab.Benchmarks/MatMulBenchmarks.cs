using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using LlmLab.Backends;
using LlmLab.Tensors;

namespace LlmLab.Benchmarks;

/// <summary>
/// f32 matmul at 1024^3, 2048^3 and a GPT-2-small MLP shape ([8*256, 768] x [3072, 768]^T, a linear layer), against
/// a plain single-threaded triple loop at 256^3. Every method counts its work in units of 2^20 flops
/// (OperationsPerInvoke), so Mean is the time per 2^20 flops, Ratio compares cost per flop, and the GFLOP/s column
/// reads it as a rate. Anchor: benchmarks/anchors/matmul_numpy.py (OpenBLAS) on the same machine.
/// </summary>
[Config(typeof(FlopsConfig))]
public class MatMulBenchmarks
{
    private const int LoopSize = 256;
    private IBackend _backend = null!;
    private Tensor _a1024 = null!, _b1024 = null!, _a2048 = null!, _b2048 = null!, _x = null!, _w = null!;
    private float[] _loopA = [], _loopB = [], _loopC = [];

    [ParamsSource(nameof(Backends))]
    public string Backend { get; set; } = "cpu";

    public static IEnumerable<string> Backends => BenchBackends.Names;

    [GlobalSetup]
    public void Setup()
    {
        _backend = BenchBackends.Get(Backend);
        _a1024 = Random(1, 1024, 1024);
        _b1024 = Random(2, 1024, 1024);
        _a2048 = Random(3, 2048, 2048);
        _b2048 = Random(4, 2048, 2048);
        _x = Random(5, 8 * 256, 768);
        _w = Random(6, 3072, 768);
        _loopA = Host(7, LoopSize * LoopSize);
        _loopB = Host(8, LoopSize * LoopSize);
        _loopC = new float[LoopSize * LoopSize];
    }

    /// <summary>C = A B as three plain loops (i, k, j order, scalar, one thread).</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = 2 * LoopSize * LoopSize * LoopSize / (1 << 20))]
    public void ReferenceLoop256()
    {
        const int n = LoopSize;
        Array.Clear(_loopC);
        for (int i = 0; i < n; i++)
            for (int k = 0; k < n; k++)
            {
                float a = _loopA[i * n + k];
                for (int j = 0; j < n; j++) _loopC[i * n + j] += a * _loopB[k * n + j];
            }
    }

    [Benchmark(OperationsPerInvoke = (int)(2L * 1024 * 1024 * 1024 / (1 << 20)))]
    public void MatMul1024()
    {
        using var c = _backend.MatMul(_a1024, _b1024);
        _backend.Synchronize();
    }

    [Benchmark(OperationsPerInvoke = (int)(2L * 2048 * 2048 * 2048 / (1 << 20)))]
    public void MatMul2048()
    {
        using var c = _backend.MatMul(_a2048, _b2048);
        _backend.Synchronize();
    }

    /// <summary>GPT-2 small's MLP up-projection over 8 x 256 tokens: x [2048, 768] W^T with W [3072, 768].</summary>
    [Benchmark(OperationsPerInvoke = (int)(2L * 2048 * 3072 * 768 / (1 << 20)))]
    public void LinearGpt2Mlp()
    {
        using var y = _backend.MatMul(_x, _w, transposeB: true);
        _backend.Synchronize();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var t in new[] { _a1024, _b1024, _a2048, _b2048, _x, _w }) t.Dispose();
    }

    private Tensor Random(int seed, int rows, int cols) => Tensor.From(_backend, Host(seed, rows * cols), rows, cols);

    private static float[] Host(int seed, int count)
    {
        var random = new System.Random(seed);
        var x = new float[count];
        for (int i = 0; i < count; i++) x[i] = (float)(random.NextDouble() * 2 - 1);
        return x;
    }
}

/// <summary>Adds a GFLOP/s column to benchmarks whose OperationsPerInvoke counts units of 2^20 flops.</summary>
public sealed class FlopsConfig : ManualConfig
{
    public FlopsConfig() => AddColumn(new RateColumn("GFLOP/s", "2^20 flops divided by Mean (the time per unit of work)", _ => 1 << 20));
}
