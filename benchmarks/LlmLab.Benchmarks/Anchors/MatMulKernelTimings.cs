using LlmLab.Backends;
using LlmLab.Backends.Ilgpu;
using LlmLab.Tensors;

namespace LlmLab.Benchmarks.Anchors;

/// <summary>
/// On an ILGPU backend, each matmul kernel forced in turn (<see cref="IlgpuBackend.ForceMatMulKernel"/>, as
/// LLMLAB_MATMUL_KERNEL would) on the matmul anchor (n^3) and on a decoding-shaped product (16 rows times a weight
/// [n, n] used as W^T): the rows a GPU session reads to pick the defaults in IlgpuBackend.ChooseMatMulKernel. Each row
/// also gives the largest difference from the legacy kernel's result on the same inputs, so a broken kernel shows.
/// </summary>
internal static class MatMulKernelTimings
{
    public static void Run(IBackend backend, int n, int repeats, Func<int, int[], Tensor> random, List<AnchorTimings.Timing> result)
    {
        if (backend is not IlgpuBackend) return;
        using var a = random(11, [n, n]);
        using var b = random(12, [n, n]);
        using var x = random(13, [16, n]);
        foreach (var (shape, lhs, transposeB, flops) in new[] { ($"{n}^3", a, false, 2.0 * n * n * n), ($"16x{n}x{n} (x W^T)", x, true, 2.0 * 16 * n * n) })
        {
            float[] reference;
            using (IlgpuBackend.ForceMatMulKernel(MatMulKernel.Legacy))
            using (var c = backend.MatMul(lhs, b, transposeB: transposeB))
                reference = c.ToArray<float>();
            foreach (var kernel in Enum.GetValues<MatMulKernel>().Where(k => k != MatMulKernel.Auto))
            {
                using var _ = IlgpuBackend.ForceMatMulKernel(kernel);
                double ms = AnchorRun.Median(backend, () => backend.MatMul(lhs, b, transposeB: transposeB), repeats);
                using var c = backend.MatMul(lhs, b, transposeB: transposeB);
                var values = c.ToArray<float>();
                double difference = 0;
                for (int i = 0; i < values.Length; i++) difference = Math.Max(difference, Math.Abs(values[i] - reference[i]));
                result.Add(new($"matmul f32 {shape} [{IlgpuBackend.MatMulKernelName(kernel)}]", ms,
                    $"{flops / ms / 1e9:0.00} TFLOP/s, max |d| {difference:0.0E0}"));
            }
        }
    }
}
