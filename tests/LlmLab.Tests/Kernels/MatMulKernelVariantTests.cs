using LlmLab.Backends.Ilgpu;
using LlmLab.Backends.Ilgpu.Kernels;
using LlmLab.Tensors;
using LlmLab.Tests.Infrastructure;
using LlmLab.Tests.References;

namespace LlmLab.Tests.Kernels;

/// <summary>
/// Each ILGPU matmul kernel, forced for the call (<see cref="IlgpuBackend.ForceMatMulKernel"/>, scoped to the test's
/// flow so tests do not race), on ILGPU's CPU simulator against float64, with the tolerance of <see cref="MatMulTests"/>
/// and <see cref="LoraTests"/>: |err| &lt;= 1e-5 * sum_k |a_ik b_kj| (+ |bias_j|) + 1e-6. Shapes cut every tile edge
/// (1, 3, 17, 33, 65, 129; K off the 8 and 16 slice depths), and shapes with sizes that are multiples of 4 take the
/// 16-byte load paths up to the edges; a view at an odd offset takes the scalar paths.
/// </summary>
[Collection("backends")]
public class MatMulKernelVariantTests
{
    private const double Rel = 1e-5, Abs = 1e-6;

    public static TheoryData<string> Kernels => new() { "legacy", "tile128", "tile128loop2", "tile128k8", "tile128x64", "tile64", "skinny" };

    private static IlgpuBackend Simulator => (IlgpuBackend)TestBackends.Get("ilgpu-cpu");

    private static MatMulKernel Named(string name) => IlgpuBackend.ParseMatMulKernel(name);

    [Theory, MemberData(nameof(Kernels))]
    public void Edge_shapes_match_float64_for_every_transpose(string kernel)
    {
        // (M, N, K): odd sizes around the 64 and 128 tiles, and multiples of 4 for the Float4 paths (K = 36: two
        // 16-deep slices and a part; N = 68 and M = 132: a part tile of aligned columns and rows).
        (int M, int N, int K)[] shapes =
        [
            (1, 1, 1), (3, 17, 5), (17, 3, 33), (33, 65, 17), (65, 33, 129), (129, 129, 9), (1, 129, 65), (16, 20, 36),
            (132, 68, 36), (36, 132, 20),
        ];
        using var _ = IlgpuBackend.ForceMatMulKernel(Named(kernel));
        int seed = 0;
        foreach (var (m, n, k) in shapes)
            foreach (bool ta in new[] { false, true })
                foreach (bool tb in new[] { false, true })
                {
                    bool withBias = seed++ % 2 == 0;
                    Check(1, m, n, k, ta, tb, sharedB: true, withBias, seed, $"{kernel} [{m}x{k}]x[{k}x{n}] ta={ta} tb={tb} bias={withBias}");
                }
    }

    [Theory, MemberData(nameof(Kernels))]
    public void Batches_with_shared_and_per_batch_b_match_float64(string kernel)
    {
        using var _ = IlgpuBackend.ForceMatMulKernel(Named(kernel));
        int seed = 100;
        foreach (var (m, n, k) in new[] { (17, 33, 19), (12, 36, 20) })
            foreach (bool shared in new[] { true, false })
                foreach (bool tb in new[] { false, true })
                    Check(3, m, n, k, ta: !tb, tb, shared, withBias: shared, seed++, $"{kernel} batch 3 [{m}x{k}]x[{k}x{n}] shared={shared} tb={tb}");
    }

    [Theory, MemberData(nameof(Kernels))]
    public void An_empty_sum_gives_the_bias(string kernel)
    {
        using var _ = IlgpuBackend.ForceMatMulKernel(Named(kernel));
        var backend = Simulator;
        using var a = Tensor.Zeros(backend, new Shape(3, 0));
        using var b = Tensor.Zeros(backend, new Shape(0, 5));
        using var bias = Tensor.From(backend, new[] { 1f, -2f, 3f, 0.5f, 7f }, 5);
        using var c = backend.MatMul(a, b, bias: bias);
        Assert.Equal(Enumerable.Repeat(new[] { 1f, -2f, 3f, 0.5f, 7f }, 3).SelectMany(x => x).ToArray(), c.ToArray<float>());
    }

    [Theory, MemberData(nameof(Kernels))]
    public void Operands_at_an_odd_offset_take_the_scalar_loads(string kernel)
    {
        using var _ = IlgpuBackend.ForceMatMulKernel(Named(kernel));
        var backend = Simulator;
        const int m = 20, n = 36, k = 44;
        var a = TestData.Uniform(1, m * k + 1, 2f);
        var b = TestData.Normal(2, k * n + 3);
        using var bufferA = Tensor.From(backend, a, m * k + 1);
        using var bufferB = Tensor.From(backend, b, k * n + 3);
        using var ta = bufferA.Slice(1, m * k).Reshape(m, k);
        using var tb = bufferB.Slice(3, k * n).Reshape(n, k);
        Assert.Equal(0, IlgpuBackend.VectorFlags(Args(m, n, k), backend.View<float>(ta), backend.View<float>(tb),
            backend.View<float>(ta), backend.View<float>(tb), backend.View<float>(ta)) & (MatMulArgs.VectorA1 | MatMulArgs.VectorB1));
        using var c = backend.MatMul(ta, tb, transposeB: true);
        var (expected, magnitude) = MatMulReference.MatMul(a[1..], b[3..], null, 1, m, n, k, false, true, true);
        MatMulReference.AssertWithin(expected, magnitude, c.ToArray<float>(), Rel, Abs, $"{kernel} odd offsets");
    }

    [Theory, MemberData(nameof(Kernels))]
    public void Lora_linear_runs_the_second_segment(string kernel)
    {
        using var _ = IlgpuBackend.ForceMatMulKernel(Named(kernel));
        var backend = Simulator;
        int seed = 200;
        // (rows, in, out, rank): a decode-sized call, one that cuts tiles, one with 16-byte paths (in, out, rank % 4 = 0)
        foreach (var (rows, inF, outF, rank) in new[] { (1, 20, 33, 4), (37, 41, 130, 17), (12, 36, 68, 8) })
        {
            bool withBias = seed % 2 == 0;
            var x = TestData.Uniform(seed++, rows * inF);
            var w = TestData.Normal(seed++, outF * inF, 0.1f);
            var a = TestData.Uniform(seed++, rank * inF, 0.3f);
            var b = TestData.Normal(seed++, outF * rank, 0.5f);
            var bias = withBias ? TestData.Uniform(seed++, outF) : null;
            using var tx = Tensor.From(backend, x, rows, inF);
            using var tw = Tensor.From(backend, w, outF, inF);
            using var ta = Tensor.From(backend, a, rank, inF);
            using var tb = Tensor.From(backend, b, outF, rank);
            using var tbias = bias is null ? null : Tensor.From(backend, bias, outF);
            using var y = backend.LoraLinear(tx, tw, tbias, ta, tb, 1.5f);
            var (expected, magnitude) = LoraReference.Linear(x, w, bias, a, b, 1.5f, rows, inF, outF, rank);
            MatMulReference.AssertWithin(expected, magnitude, y.ToArray<float>(), Rel, Abs, $"{kernel} lora {rows}x{inF}->{outF} r={rank}");
        }
    }

    [Theory, MemberData(nameof(Kernels))]
    public void Lora_merge_accumulates_into_the_weight(string kernel)
    {
        using var _ = IlgpuBackend.ForceMatMulKernel(Named(kernel));
        var backend = Simulator;
        foreach (var (inF, outF, rank) in new[] { (33, 130, 17), (36, 12, 4) })
        {
            var w = TestData.Normal(inF, outF * inF, 0.1f);
            var a = TestData.Uniform(outF, rank * inF, 0.3f);
            var b = TestData.Normal(rank, outF * rank, 0.5f);
            using var tw = Tensor.From(backend, w, outF, inF);
            using var ta = Tensor.From(backend, a, rank, inF);
            using var tb = Tensor.From(backend, b, outF, rank);
            backend.LoraMerge(tw, ta, tb, 0.75f);
            var (expected, magnitude) = LoraReference.Merge(w, a, b, 0.75f, inF, outF, rank);
            MatMulReference.AssertWithin(expected, magnitude, tw.ToArray<float>(), Rel, Abs, $"{kernel} merge {outF}x{inF} r={rank}");
        }
    }

    [Fact]
    public void Fresh_aligned_operands_take_the_float4_paths()
    {
        var backend = Simulator;
        using var a = Tensor.Zeros(backend, new Shape(8, 12));
        using var b = Tensor.Zeros(backend, new Shape(16, 12));
        using var c = Tensor.Zeros(backend, new Shape(8, 16));
        var args = Args(8, 16, 12);
        int flags = IlgpuBackend.VectorFlags(args, backend.View<float>(a), backend.View<float>(b), backend.View<float>(a),
            backend.View<float>(b), backend.View<float>(c));
        Assert.Equal(MatMulArgs.VectorA1 | MatMulArgs.VectorB1 | MatMulArgs.VectorC, flags);
        // K = 13: rows of A and of B^T start 13 floats apart, so neither moves as Float4s; N = 16 still does.
        flags = IlgpuBackend.VectorFlags(Args(8, 16, 13), backend.View<float>(a), backend.View<float>(b), backend.View<float>(a),
            backend.View<float>(b), backend.View<float>(c));
        Assert.Equal(MatMulArgs.VectorC, flags);
    }

    [Fact]
    public void Vectorizable_needs_an_aligned_base_and_strides_that_are_multiples_of_4()
    {
        Assert.True(IlgpuBackend.Vectorizable(64, laneStride: 12, kStride: 1, batchStride: 96));    // rows along k
        Assert.True(IlgpuBackend.Vectorizable(64, laneStride: 1, kStride: 20, batchStride: 0));     // lanes contiguous
        Assert.False(IlgpuBackend.Vectorizable(68, laneStride: 12, kStride: 1, batchStride: 96));   // base off 16 bytes
        Assert.False(IlgpuBackend.Vectorizable(64, laneStride: 13, kStride: 1, batchStride: 0));    // odd row stride
        Assert.False(IlgpuBackend.Vectorizable(64, laneStride: 12, kStride: 1, batchStride: 98));   // odd batch stride
        Assert.False(IlgpuBackend.Vectorizable(64, laneStride: 1, kStride: 1, batchStride: 0));     // a column: 1 x 1
        Assert.False(IlgpuBackend.Vectorizable(64, laneStride: 3, kStride: 8, batchStride: 0));     // neither contiguous
    }

    [Fact]
    public void Auto_picks_skinny_for_few_rows_along_k_and_tiles_by_size()
    {
        var backend = Simulator;
        using var _ = IlgpuBackend.ForceMatMulKernel(MatMulKernel.Auto);
        Assert.Equal(MatMulKernel.Skinny, backend.ChooseMatMulKernel(1, Args(4, 4096, 4096) with { B1K = 1, B1Col = 4096 }));
        Assert.Equal(MatMulKernel.Tile64, backend.ChooseMatMulKernel(1, Args(4, 65, 256) with { B1K = 65, B1Col = 1 }));
        Assert.Equal(MatMulKernel.Tile64, backend.ChooseMatMulKernel(1, Args(65, 65, 64)));
        Assert.Equal(MatMulKernel.Tile128, backend.ChooseMatMulKernel(1, Args(4096, 4096, 4096)));
        Assert.Equal(MatMulKernel.Tile128x64, backend.ChooseMatMulKernel(1, Args(65536, 64, 64)));
    }

    [Fact]
    public void A_forced_kernel_holds_for_its_scope_only()
    {
        var backend = Simulator;
        var args = Args(4096, 4096, 4096);
        var auto = backend.ChooseMatMulKernel(1, args);
        using (IlgpuBackend.ForceMatMulKernel(MatMulKernel.Legacy))
        {
            Assert.Equal(MatMulKernel.Legacy, backend.ChooseMatMulKernel(1, args));
            using (IlgpuBackend.ForceMatMulKernel(MatMulKernel.Skinny))
                Assert.Equal(MatMulKernel.Skinny, backend.ChooseMatMulKernel(1, args));
            Assert.Equal(MatMulKernel.Legacy, backend.ChooseMatMulKernel(1, args));
        }
        Assert.Equal(auto, backend.ChooseMatMulKernel(1, args));
    }

    [Fact]
    public void An_unknown_kernel_name_lists_the_names()
    {
        Assert.Equal(MatMulKernel.Tile128x64, IlgpuBackend.ParseMatMulKernel(" Tile128x64 "));
        Assert.Equal(MatMulKernel.Auto, IlgpuBackend.ParseMatMulKernel(null));
        var e = Assert.Throws<ArgumentException>(() => IlgpuBackend.ParseMatMulKernel("tile256"));
        Assert.Contains("'tile256'", e.Message);
        Assert.Contains("tile128x64", e.Message);
        Assert.Contains("skinny", e.Message);
    }

    /// <summary>Row-major A [m, k] times B^T (B [n, k]): the arguments MatMul builds for that call.</summary>
    internal static MatMulArgs Args(int m, int n, int k) => new()
    {
        M = m, N = n, K1 = k, A1Row = k, A1K = 1, A1Batch = (long)m * k, B1K = 1, B1Col = k, Scale1 = 1f, CBatch = (long)m * n,
    };

    internal static void Check(int batch, int m, int n, int k, bool ta, bool tb, bool sharedB, bool withBias, int seed, string what)
    {
        var backend = Simulator;
        int[] batchDims = batch == 1 ? [] : [batch];
        var a = TestData.Uniform(seed, (long)batch * m * k, 2f);
        var b = TestData.Normal(seed + 7, (sharedB ? 1L : batch) * k * n);
        var bias = withBias ? TestData.Uniform(seed + 13, n) : null;
        using var tA = Tensor.From(backend, a, [.. batchDims, ta ? k : m, ta ? m : k]);
        using var tB = Tensor.From(backend, b, sharedB ? [tb ? n : k, tb ? k : n] : [.. batchDims, tb ? n : k, tb ? k : n]);
        using var tBias = bias is null ? null : Tensor.From(backend, bias, n);
        using var c = backend.MatMul(tA, tB, ta, tb, tBias);
        var (expected, magnitude) = MatMulReference.MatMul(a, b, bias, batch, m, n, k, ta, tb, sharedB);
        MatMulReference.AssertWithin(expected, magnitude, c.ToArray<float>(), Rel, Abs, what);
    }
}
