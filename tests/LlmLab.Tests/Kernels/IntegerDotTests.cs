using LlmLab.Backends;
using LlmLab.Backends.Cpu.Kernels;
using LlmLab.Tensors;
using LlmLab.Tests.Infrastructure;
using LlmLab.Tests.References;
using Xunit.Sdk;

namespace LlmLab.Tests.Kernels;

/// <summary>
/// MatMulIntegerDot against <see cref="IntegerDotReference"/>: every cpu path (scalar, AVX2, AVX-VNNI, AVX-512, as
/// many as this machine runs) gives the fixed-order float32 bits exactly, and so do 1 and 2 threads; every backend
/// is within (blocks + 6) 2^-24 Σ |sum[b, p] d[b]| (+|bias|) of the float64 sum of the exact block products (float32
/// accumulation: blocks / 2 fma roundings a chain, a tree of four adds, the bias; ILGPU rounds the multiply too).
/// </summary>
[Collection("backends")]
public class IntegerDotTests
{
    public static TheoryData<string> Backends => TestBackends.All;

    public static TheoryData<string> Paths
    {
        get
        {
            var paths = new TheoryData<string>();
            foreach (var path in IntegerDotPaths.Supported) paths.Add(path.ToString());
            return paths;
        }
    }

    // (rows, n, k): one block, odd block counts (the 512-bit path's padding), n off every tile, rows 1..13 (prefill
    // tiles of 4 x rows by 3 weight rows, with rows and weight rows left over).
    private static readonly (int Rows, int N, int K)[] Shapes =
        [(1, 1, 32), (1, 3, 64), (2, 17, 96), (1, 100, 1024), (3, 33, 224), (4, 8, 768), (5, 7, 160), (8, 6, 32), (9, 11, 224), (13, 20, 96)];

    [Fact]
    public void This_machine_runs_the_paths_it_reports()
    {
        Assert.Contains(IntegerDotPath.Scalar, IntegerDotPaths.Supported);
        Assert.Contains(IntegerDotPaths.Best, IntegerDotPaths.Supported);
        if (System.Runtime.Intrinsics.X86.Avx2.IsSupported) Assert.Contains(IntegerDotPath.Avx2, IntegerDotPaths.Supported);
    }

    [Theory, MemberData(nameof(Paths))]
    public void Every_path_gives_the_fixed_order_bits(string pathName)
    {
        var path = Enum.Parse<IntegerDotPath>(pathName);
        foreach (bool q4 in new[] { false, true })
            foreach (var (rows, n, k) in Shapes)
                for (int kind = 0; kind < 2; kind++)
                {
                    // kind 0: weights quantised from floats; kind 1: arbitrary quant bytes (Q8_0's -128, every nibble).
                    var x = Awkward(rows * k, rows * 31 + k);
                    var w = kind == 0 ? QuantizationReference.NormalBlocks(n, k, q4, n + k) : QuantizationReference.RandomBlocks(n, k, q4, n * 7 + k);
                    var bias = (n + k) % 3 == 0 ? TestData.Uniform(n, n) : null;
                    var actual = RunKernel(path, x, rows, k, w, q4, n, bias);
                    var expected = IntegerDotReference.FixedOrder(x, rows, k, w, q4, n, bias);
                    AssertClose.BitIdentical(expected, actual, $"{path} {(q4 ? "q4_0" : "q8_0")} rows {rows} n {n} k {k} kind {kind}");
                    AssertNearFloat64(x, rows, k, w, q4, n, bias, actual, 0.5, $"{path} rows {rows} n {n} k {k}");
                }
    }

    [Theory, MemberData(nameof(Backends))]
    public void MatMulIntegerDot_matches_float64_of_the_exact_block_products(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        var cpu = TestBackends.Get("cpu");
        (int Rows, int N, int K)[] shapes = backendName == "ilgpu-cpu" ? [(1, 3, 32), (3, 17, 96), (2, 9, 1024), (5, 8, 64)] : Shapes;
        foreach (bool q4 in new[] { false, true })
            foreach (var (rows, n, k) in shapes)
            {
                var x = Awkward(rows * k, rows + k);
                var w = QuantizationReference.NormalBlocks(n, k, q4, 5 * n + k);
                var bias = rows % 2 == 1 ? TestData.Uniform(n + 1, n) : null;
                int[] leading = rows == 4 ? [2, 2] : [rows];
                using var tx = Tensor.From(backend, x, [.. leading, k]);
                using var tw = Tensor.FromBytes(backend, w, q4 ? DType.Q4_0 : DType.Q8_0, n, k);
                using var tb = bias is null ? null : Tensor.From(backend, bias, n);
                using var y = backend.MatMulIntegerDot(tx, tw, tb);
                Assert.Equal(new Shape([.. leading, n]), y.Shape);
                var actual = y.ToArray<float>();
                AssertNearFloat64(x, rows, k, w, q4, n, bias, actual, 1, $"{backendName} {(q4 ? "q4_0" : "q8_0")} rows {rows} n {n} k {k}");
                if (ReferenceEquals(backend, cpu))
                    AssertClose.BitIdentical(IntegerDotReference.FixedOrder(x, rows, k, w, q4, n, bias), actual, "cpu vs the fixed order");
            }
    }

    [Fact]
    public void Cpu_gives_the_same_bits_on_one_and_two_threads_and_for_a_row_alone()
    {
        var one = TestBackends.CpuWithThreads(1);
        var two = TestBackends.CpuWithThreads(2);
        const int n = 300, k = 1024;
        var x = TestData.Normal(3, 6 * k);
        var bias = TestData.Uniform(5, n);
        foreach (bool q4 in new[] { false, true })
        {
            var w = QuantizationReference.NormalBlocks(n, k, q4, 4);
            var dtype = q4 ? DType.Q4_0 : DType.Q8_0;
            using var w1 = Tensor.FromBytes(one, w, dtype, n, k);
            using var w2 = Tensor.FromBytes(two, w, dtype, n, k);
            using var b1 = Tensor.From(one, bias, n);
            using var b2 = Tensor.From(two, bias, n);
            foreach (int rows in new[] { 1, 2, 6 })
            {
                using var x1 = Tensor.From(one, x[..(rows * k)], rows, k);
                using var x2 = Tensor.From(two, x[..(rows * k)], rows, k);
                AssertClose.BitIdentical(one.MatMulIntegerDot(x1, w1, b1).ToArray<float>(), two.MatMulIntegerDot(x2, w2, b2).ToArray<float>(), $"{dtype} rows {rows}");
            }
            using var all = Tensor.From(two, x, 6, k);
            using var alone = Tensor.From(two, x[(5 * k)..], 1, k);
            AssertClose.BitIdentical(two.MatMulIntegerDot(alone, w2).ToArray<float>(), two.MatMulIntegerDot(all, w2).ToArray<float>()[(5 * n)..], $"{dtype} row 5 alone vs in a batch");
        }
    }

    [Theory, MemberData(nameof(Backends))]
    public void MatMulIntegerDot_refuses_a_plain_weight_and_names_the_shapes(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        using var x = Tensor.Zeros(backend, new Shape(2, 64));
        using var f32 = Tensor.Zeros(backend, new Shape(3, 64));
        Assert.Contains("f32", Assert.Throws<ArgumentException>(() => backend.MatMulIntegerDot(x, f32)).Message);
        using var q = backend.QuantizeBlocks(Tensor.Zeros(backend, new Shape(3, 32)), DType.Q4_0);
        var e = Assert.Throws<ArgumentException>(() => backend.MatMulIntegerDot(x, q));
        Assert.Contains("[2, 64]", e.Message);
        Assert.Contains("[3, 32]", e.Message);
    }

    private static float[] RunKernel(IntegerDotPath path, float[] x, int rows, int k, byte[] w, bool q4, int n, float[]? bias)
    {
        var y = new float[rows * n];
        using var xq = Q8Activations.Quantize(x, rows, k, path, q4);
        // Two ranges of weight rows, as two threads would split them.
        IntegerDotMatMul.Run(path, xq, w, q4, bias, y, n, 0, n / 2);
        IntegerDotMatMul.Run(path, xq, w, q4, bias, y, n, n / 2, n);
        return y;
    }

    private static void AssertNearFloat64(float[] x, int rows, int k, byte[] w, bool q4, int n, float[]? bias, float[] actual, double roundings, string what)
    {
        var (expected, magnitude) = IntegerDotReference.Float64(x, rows, k, w, q4, n, bias);
        double unit = Math.Pow(2, -24) * (roundings * (k / 32) + 6);
        for (int i = 0; i < expected.Length; i++)
            if (!(Math.Abs(actual[i] - expected[i]) <= unit * magnitude[i]))
                throw new XunitException($"{what}: y[{i / n}, {i % n}] = {actual[i]:R}, float64 {expected[i]:R}, off by more than {unit * magnitude[i]:E3}");
    }

    /// <summary>Activations over six decades, with zero blocks, exact halves of a quant step and float subnormals.</summary>
    private static float[] Awkward(int count, int seed)
    {
        var random = new System.Random(seed);
        var x = TestData.Normal(seed, count);
        for (int i = 0; i < count; i++)
        {
            int block = i / 32;
            x[i] *= MathF.Pow(10, block % 6 - 3);
            if (block % 7 == 5) x[i] = 0f;
            else if (random.Next(16) == 0) x[i] = BitConverter.Int32BitsToSingle(random.Next(1, 0x00800000));
            else if (random.Next(16) == 0) x[i] = (random.Next(-40, 40) + 0.5f) / 16;
        }
        return x;
    }
}
