using LlmLab.Backends.Ilgpu;
using LlmLab.Tensors;
using LlmLab.Tests.Infrastructure;
using LlmLab.Tests.References;

namespace LlmLab.Tests.Kernels;

/// <summary>
/// Split-K on the tile kernels (<see cref="IlgpuBackend.ForceMatMulSplits"/>): each split sums its own run of k into a
/// workspace slice, a second kernel adds the slices in order with the bias and accumulation. Checked against float64
/// with <see cref="MatMulKernelVariantTests"/>' tolerance at edge shapes (k chunks that end inside a 16-deep step, a
/// last split shorter than the others, more splits asked for than k has steps), with batches, transposes and
/// accumulation; and the automatic choice: splits only a grid too small for the GPU, only over a long k.
/// </summary>
[Collection("backends")]
public class MatMulSplitKTests
{
    private const double Rel = 1e-5, Abs = 1e-6;

    public static TheoryData<string, int> KernelsAndSplits => new()
    {
        { "tile128", 2 }, { "tile128", 7 }, { "tile128loop2", 3 }, { "tile128k8", 3 }, { "tile128x64", 2 }, { "tile64", 5 },
    };

    private static IlgpuBackend Simulator => (IlgpuBackend)TestBackends.Get("ilgpu-cpu");

    [Theory, MemberData(nameof(KernelsAndSplits))]
    public void Split_sums_match_float64_at_edge_shapes(string kernel, int splits)
    {
        using var _ = IlgpuBackend.ForceMatMulKernel(IlgpuBackend.ParseMatMulKernel(kernel));
        using var __ = IlgpuBackend.ForceMatMulSplits(splits);
        // K = 100: chunks of 16 or 48 with a short last one; K = 17: two steps, fewer than most split counts asked.
        (int M, int N, int K)[] shapes = [(33, 65, 100), (132, 68, 36), (3, 17, 17), (65, 130, 200)];
        int seed = 300;
        foreach (var (m, n, k) in shapes)
            foreach (bool ta in new[] { false, true })
                foreach (bool tb in new[] { false, true })
                {
                    bool withBias = seed++ % 2 == 0;
                    MatMulKernelVariantTests.Check(1, m, n, k, ta, tb, sharedB: true, withBias, seed,
                        $"{kernel} split {splits} [{m}x{k}]x[{k}x{n}] ta={ta} tb={tb} bias={withBias}");
                }
    }

    [Theory, MemberData(nameof(KernelsAndSplits))]
    public void Batches_split_each_batch_on_its_own(string kernel, int splits)
    {
        using var _ = IlgpuBackend.ForceMatMulKernel(IlgpuBackend.ParseMatMulKernel(kernel));
        using var __ = IlgpuBackend.ForceMatMulSplits(splits);
        int seed = 400;
        foreach (bool shared in new[] { true, false })
            MatMulKernelVariantTests.Check(3, 17, 36, 70, ta: true, tb: false, shared, withBias: !shared, seed++,
                $"{kernel} split {splits} batch 3 shared={shared}");
    }

    [Fact]
    public void A_split_merge_accumulates_into_the_weight()
    {
        // LoRA's merge: C += scale B A with k = rank 40, split 3 ways (chunks 16, 16, 8).
        using var _ = IlgpuBackend.ForceMatMulSplits(3);
        var backend = Simulator;
        const int inF = 33, outF = 130, rank = 40;
        var w = TestData.Normal(1, outF * inF, 0.1f);
        var a = TestData.Uniform(2, rank * inF, 0.3f);
        var b = TestData.Normal(3, outF * rank, 0.5f);
        using var tw = Tensor.From(backend, w, outF, inF);
        using var ta = Tensor.From(backend, a, rank, inF);
        using var tb = Tensor.From(backend, b, outF, rank);
        backend.LoraMerge(tw, ta, tb, 0.75f);
        var (expected, magnitude) = LoraReference.Merge(w, a, b, 0.75f, inF, outF, rank);
        MatMulReference.AssertWithin(expected, magnitude, tw.ToArray<float>(), Rel, Abs, "split merge");
    }

    [Fact]
    public void A_split_product_is_the_same_bits_every_run()
    {
        using var _ = IlgpuBackend.ForceMatMulSplits(4);
        var backend = Simulator;
        var a = TestData.Uniform(5, 40 * 300);
        var b = TestData.Normal(6, 300 * 24);
        using var ta = Tensor.From(backend, a, 40, 300);
        using var tb = Tensor.From(backend, b, 300, 24);
        using var first = backend.MatMul(ta, tb);
        using var second = backend.MatMul(ta, tb);
        Assert.Equal(first.ToArray<float>(), second.ToArray<float>());
    }

    [Fact]
    public void Auto_splits_only_small_grids_over_long_k()
    {
        var backend = Simulator;
        using var _ = IlgpuBackend.ForceMatMulKernel(MatMulKernel.Auto);
        int target = 2 * Math.Max(1, backend.Accelerator.NumMultiprocessors);
        // A weight gradient: 384 x 384 outputs (9 big tiles) summed over 16,384 tokens.
        var gradient = MatMulKernelVariantTests.Args(384, 384, 16384);
        int splits = backend.ChooseSplits(backend.ChooseMatMulKernel(1, gradient), 1, gradient);
        if (9 < target)
        {
            Assert.InRange(splits, 2, 16384 / 512);
            Assert.True(splits * 9 >= target || splits == 16384 / 512, $"{splits} splits of 9 tiles for a target of {target} groups");
            Assert.Equal(MatMulKernel.Tile128, backend.ChooseMatMulKernel(1, gradient));
        }
        else Assert.Equal(1, splits);
        // Short k, a grid that fills the GPU, or LoRA's second segment: no split.
        var shortK = MatMulKernelVariantTests.Args(384, 384, 1000);
        Assert.Equal(1, backend.ChooseSplits(backend.ChooseMatMulKernel(1, shortK), 1, shortK));
        var big = MatMulKernelVariantTests.Args(4096, 4096, 16384);
        Assert.Equal(1, backend.ChooseSplits(backend.ChooseMatMulKernel(1, big), 1, big));
        var lora = gradient with { K2 = 16, A2Row = 16, A2K = 1, B2K = 1, B2Col = 16, Scale2 = 1f };
        Assert.Equal(1, backend.ChooseSplits(MatMulKernel.Tile128, 1, lora));
        Assert.Equal(1, backend.ChooseSplits(MatMulKernel.Skinny, 1, gradient));
    }
}
