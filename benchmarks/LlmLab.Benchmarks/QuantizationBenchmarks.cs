using BenchmarkDotNet.Attributes;
using LlmLab.Backends;
using LlmLab.Tensors;

namespace LlmLab.Benchmarks;

/// <summary>
/// Quantising a 4096 x 4096 f32 weight (64 MiB read; 16 MiB int8, 17 MiB Q8_0 or 9 MiB Q4_0 written): per-row absmax
/// int8, Q8_0 and Q4_0, against a plain single-threaded scalar per-row int8 loop. GB/s = (64 MiB + written) / time;
/// the anchor is copy bandwidth (docs/performance.md: PyTorch does the per-row int8 in 0.296 ms on an H100).
/// </summary>
public class QuantizationBenchmarks
{
    private const int Size = 4096;
    private float[] _host = [];
    private sbyte[] _hostQ = [];
    private IBackend _backend = null!;
    private Tensor _x = null!;

    [ParamsSource(nameof(Backends))]
    public string Backend { get; set; } = "cpu";

    public static IEnumerable<string> Backends => BenchBackends.Names;

    [GlobalSetup]
    public void Setup()
    {
        var random = new System.Random(1);
        _host = Enumerable.Range(0, Size * Size).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        _hostQ = new sbyte[_host.Length];
        _backend = BenchBackends.Get(Backend);
        _x = Tensor.From(_backend, _host, Size, Size);
    }

    [Benchmark(Baseline = true)]
    public void Int8PerRowReferenceLoop()
    {
        for (int r = 0; r < Size; r++)
        {
            float max = 0f;
            for (int c = 0; c < Size; c++) max = Math.Max(max, Math.Abs(_host[r * Size + c]));
            float scale = max == 0f ? 1f : 127f / max;
            for (int c = 0; c < Size; c++) _hostQ[r * Size + c] = (sbyte)MathF.Round(_host[r * Size + c] * scale, MidpointRounding.AwayFromZero);
        }
    }

    [Benchmark]
    public void Int8PerRow()
    {
        using var q = _backend.QuantizeInt8(_x, Int8Scheme.AbsmaxPerRow);
        _backend.Synchronize();
    }

    [Benchmark]
    public void Q8_0()
    {
        using var q = _backend.QuantizeBlocks(_x, DType.Q8_0);
        _backend.Synchronize();
    }

    [Benchmark]
    public void Q4_0()
    {
        using var q = _backend.QuantizeBlocks(_x, DType.Q4_0);
        _backend.Synchronize();
    }

    [GlobalCleanup]
    public void Cleanup() => _x.Dispose();
}

/// <summary>
/// A 4096 -> 4096 linear layer, decode (x [1, 4096]) and prefill (x [64, 4096]), with the weight in each quantised
/// format (dequantised on the fly, or with x quantised to Q8_0 and integer dots), against the f32 MatMul (x W^T) and
/// a plain single-threaded scalar loop that dequantises Q8_0 on the fly.
/// </summary>
public class QuantizedMatMulBenchmarks
{
    private const int K = 4096, N = 4096;
    private float[] _hostX = [];
    private byte[] _hostQ8 = [];
    private float[] _hostY = [];
    private IBackend _backend = null!;
    private Tensor _x = null!, _w = null!, _q8 = null!, _q4 = null!;
    private Int8Tensor _int8 = null!;

    [ParamsSource(nameof(Backends))]
    public string Backend { get; set; } = "cpu";

    [Params(1, 64)]
    public int Rows { get; set; }

    public static IEnumerable<string> Backends => BenchBackends.Names;

    [GlobalSetup]
    public void Setup()
    {
        var random = new System.Random(2);
        _hostX = Enumerable.Range(0, Rows * K).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        var w = Enumerable.Range(0, N * K).Select(_ => (float)(random.NextDouble() * 0.1 - 0.05)).ToArray();
        _hostY = new float[Rows * N];
        _backend = BenchBackends.Get(Backend);
        _x = Tensor.From(_backend, _hostX, Rows, K);
        _w = Tensor.From(_backend, w, N, K);
        _q8 = _backend.QuantizeBlocks(_w, DType.Q8_0);
        _q4 = _backend.QuantizeBlocks(_w, DType.Q4_0);
        _int8 = _backend.QuantizeInt8(_w, Int8Scheme.AbsmaxPerRow);
        _hostQ8 = _q8.ToBytes();
    }

    [Benchmark(Baseline = true)]
    public void Q8_0ReferenceLoop()
    {
        for (int m = 0; m < Rows; m++)
            for (int n = 0; n < N; n++)
            {
                float sum = 0f;
                for (int b = 0; b < K / 32; b++)
                {
                    int o = (n * (K / 32) + b) * 34;
                    float d = (float)BitConverter.UInt16BitsToHalf((ushort)(_hostQ8[o] | _hostQ8[o + 1] << 8));
                    float block = 0f;
                    for (int j = 0; j < 32; j++) block += _hostX[m * K + b * 32 + j] * (sbyte)_hostQ8[o + 2 + j];
                    sum += block * d;
                }
                _hostY[m * N + n] = sum;
            }
    }

    [Benchmark]
    public void F32MatMul()
    {
        using var y = _backend.MatMul(_x, _w, transposeB: true);
        _backend.Synchronize();
    }

    [Benchmark]
    public void Int8PerRow()
    {
        using var y = _backend.MatMulQuantized(_x, _int8);
        _backend.Synchronize();
    }

    [Benchmark]
    public void Q8_0()
    {
        using var y = _backend.MatMulQuantized(_x, _q8);
        _backend.Synchronize();
    }

    [Benchmark]
    public void Q4_0()
    {
        using var y = _backend.MatMulQuantized(_x, _q4);
        _backend.Synchronize();
    }

    [Benchmark]
    public void Q8_0IntegerDot()
    {
        using var y = _backend.MatMulIntegerDot(_x, _q8);
        _backend.Synchronize();
    }

    [Benchmark]
    public void Q4_0IntegerDot()
    {
        using var y = _backend.MatMulIntegerDot(_x, _q4);
        _backend.Synchronize();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _x.Dispose();
        _w.Dispose();
        _q8.Dispose();
        _q4.Dispose();
        _int8.Dispose();
    }
}
