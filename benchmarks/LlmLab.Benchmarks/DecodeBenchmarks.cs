using System.Reflection;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using LlmLab.Backends;
using LlmLab.Backends.Cpu;
using LlmLab.Tensors;

namespace LlmLab.Benchmarks;

/// <summary>
/// A decode step's f32 products on the cpu backend, one row of x against GPT-2-124M's tied head [50257, 768] and MLP
/// up-projection [3072, 768], with the weight stored [out, in] (`Gemv`, transposing in registers) and interleaved
/// (`IBackend.Interleave`, the inference layout), on 1 and 2 threads. The products are memory-bound: the GB/s column
/// is the weight's bytes over Mean.
/// </summary>
[Config(typeof(BandwidthConfig))]
public class DecodeBenchmarks
{
    private CpuBackend _backend = null!;
    private Tensor _x = null!, _head = null!, _mlp = null!;
    private InterleavedWeight _headInterleaved = null!, _mlpInterleaved = null!;

    [Params(1, 2)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _backend = new CpuBackend(Threads);
        var random = new System.Random(1);
        Tensor Random(params int[] shape)
        {
            var values = new float[shape.Aggregate(1, (a, b) => a * b)];
            for (int i = 0; i < values.Length; i++) values[i] = (float)(random.NextDouble() * 2 - 1);
            return Tensor.From(_backend, values, shape);
        }
        _x = Random(1, 768);
        _head = Random(50257, 768);
        _mlp = Random(3072, 768);
        _headInterleaved = _backend.Interleave(_head);
        _mlpInterleaved = _backend.Interleave(_mlp);
    }

    [Benchmark(Baseline = true), WeightBytes(50257L * 768 * 4)]
    public void HeadPlain() => _backend.MatMul(_x, _head, transposeB: true).Dispose();

    [Benchmark, WeightBytes(50257L * 768 * 4)]
    public void HeadInterleaved() => _backend.MatMulInterleaved(_x, _headInterleaved).Dispose();

    [Benchmark, WeightBytes(3072L * 768 * 4)]
    public void MlpPlain() => _backend.MatMul(_x, _mlp, transposeB: true).Dispose();

    [Benchmark, WeightBytes(3072L * 768 * 4)]
    public void MlpInterleaved() => _backend.MatMulInterleaved(_x, _mlpInterleaved).Dispose();

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var t in new[] { _x, _head, _mlp }) t.Dispose();
        _headInterleaved.Dispose();
        _mlpInterleaved.Dispose();
        _backend.Dispose();
    }
}

/// <summary>The bytes of weight a benchmark method streams per call (for <see cref="BandwidthConfig"/>'s GB/s).</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class WeightBytesAttribute(long bytes) : Attribute
{
    public long Bytes { get; } = bytes;
}

/// <summary>Adds a GB/s column: a method's <see cref="WeightBytesAttribute"/> over its Mean.</summary>
public sealed class BandwidthConfig : ManualConfig
{
    public BandwidthConfig() => AddColumn(new RateColumn("GB/s", "weight bytes read per call divided by Mean",
        c => c.Descriptor.WorkloadMethod.GetCustomAttribute<WeightBytesAttribute>()?.Bytes));
}
