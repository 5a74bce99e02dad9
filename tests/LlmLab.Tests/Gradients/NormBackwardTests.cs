using LlmLab.Backends;
using LlmLab.Tensors;
using LlmLab.Tests.Infrastructure;
using LlmLab.Tests.References;

namespace LlmLab.Tests.Gradients;

/// <summary>
/// LayerNorm and RmsNorm backward (input, weight and bias gradients) against float64. Tolerances: 1e-4 absolute +
/// 1e-4 relative against a finite difference of the float64 forward (tiny shapes; the finite difference of a
/// normalisation carries ~1e-6 of its own error); 2e-5 absolute + 1e-4 relative against the analytic float64 backward
/// on rows up to 1000 wide and up to 70 rows (weight/bias sums over rows included).
/// </summary>
[Collection("backends")]
public class NormBackwardTests
{
    public static TheoryData<string> Backends => TestBackends.All;

    [Theory, MemberData(nameof(Backends))]
    public void Gradients_match_a_float64_finite_difference(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        foreach (var (rows, n) in new[] { (1, 1), (2, 3), (3, 17) })
            foreach (bool rms in new[] { false, true })
            {
                double eps = rms ? 1e-6 : 1e-5;
                var x = TestData.Uniform(rows + n, rows * n, 2);
                var w = TestData.Uniform(n + 3, n, 1.5f);
                var b = TestData.Uniform(n + 4, n);
                var dy = TestData.Normal(rows * n + 5, rows * n);
                var (dxD, dwD, dbD, ddy) = (TestData.ToDouble(x), TestData.ToDouble(w), TestData.ToDouble(b), TestData.ToDouble(dy));
                Func<double[], double[], double[], double[]> forward = rms
                    ? (xs, ws, _) => RowOpsReference.RmsNorm(xs, ws, eps)
                    : (xs, ws, bs) => RowOpsReference.LayerNorm(xs, ws, bs, eps);
                var g = Run(backend, x, w, dy, rows, n, rms, (float)eps);
                string what = $"{(rms ? "rms" : "layer")}-norm {rows}x{n}";
                AssertClose.Within(BackwardReference.FiniteDifference(v => forward(v, dwD, dbD), dxD, ddy), g.Input.ToArray<float>(), 1e-4, 1e-4, what + " dx");
                AssertClose.Within(BackwardReference.FiniteDifference(v => forward(dxD, v, dbD), dwD, ddy), g.Weight.ToArray<float>(), 1e-4, 1e-4, what + " dweight");
                if (rms) Assert.Null(g.Bias);
                else AssertClose.Within(BackwardReference.FiniteDifference(v => forward(dxD, dwD, v), dbD, ddy), g.Bias!.ToArray<float>(), 1e-4, 1e-4, what + " dbias");
            }
    }

    [Theory, MemberData(nameof(Backends))]
    public void Gradients_match_the_analytic_float64_backward(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        // ILGPU's CPU simulator runs a 1024-thread group slowly: smaller shapes there.
        var shapes = backendName == "cpu" ? new[] { (5, 1000), (70, 33), (33, 257) } : new[] { (1, 1000), (40, 33) };
        foreach (var (rows, n) in shapes)
            foreach (bool rms in new[] { false, true })
            {
                var x = TestData.Normal(rows * 3 + n, rows * n, 2);
                for (int i = 0; i < x.Length; i++) x[i] += 3f; // a mean far from 0
                var w = TestData.Uniform(n + 9, n, 1.5f);
                var dy = TestData.Normal(rows * n + 1, rows * n);
                double eps = rms ? 1e-6 : 1e-5;
                var (dx, dw, db) = BackwardReference.NormBackward(TestData.ToDouble(x), TestData.ToDouble(w), TestData.ToDouble(dy), eps, rms);
                var g = Run(backend, x, w, dy, rows, n, rms, (float)eps);
                string what = $"{(rms ? "rms" : "layer")}-norm {rows}x{n}";
                AssertClose.Within(dx, g.Input.ToArray<float>(), 2e-5, 1e-4, what + " dx");
                AssertClose.Within(dw, g.Weight.ToArray<float>(), 2e-5, 1e-4, what + " dweight");
                if (!rms) AssertClose.Within(db, g.Bias!.ToArray<float>(), 2e-5, 1e-4, what + " dbias");
            }
    }

    private static NormGradients Run(IBackend backend, float[] x, float[] w, float[] dy, int rows, int n, bool rms, float eps)
    {
        using var tx = Tensor.From(backend, x, rows, n);
        using var tw = Tensor.From(backend, w, n);
        using var tg = Tensor.From(backend, dy, rows, n);
        return rms ? backend.RmsNormBackward(tx, tw, tg, eps) : backend.LayerNormBackward(tx, tw, tg, eps);
    }

    [Fact]
    public void Cpu_gives_the_same_bits_on_one_and_two_threads()
    {
        const int rows = 301, n = 771;
        var x = TestData.Normal(21, rows * n);
        var w = TestData.Uniform(22, n);
        var dy = TestData.Normal(23, rows * n);
        var one = Run(TestBackends.CpuWithThreads(1), x, w, dy, rows, n, false, 1e-5f);
        var two = Run(TestBackends.CpuWithThreads(2), x, w, dy, rows, n, false, 1e-5f);
        AssertClose.BitIdentical(one.Input.ToArray<float>(), two.Input.ToArray<float>(), "layer-norm dx");
        AssertClose.BitIdentical(one.Weight.ToArray<float>(), two.Weight.ToArray<float>(), "layer-norm dweight");
        AssertClose.BitIdentical(one.Bias!.ToArray<float>(), two.Bias!.ToArray<float>(), "layer-norm dbias");
        one = Run(TestBackends.CpuWithThreads(1), x, w, dy, rows, n, true, 1e-6f);
        two = Run(TestBackends.CpuWithThreads(2), x, w, dy, rows, n, true, 1e-6f);
        AssertClose.BitIdentical(one.Input.ToArray<float>(), two.Input.ToArray<float>(), "rms-norm dx");
        AssertClose.BitIdentical(one.Weight.ToArray<float>(), two.Weight.ToArray<float>(), "rms-norm dweight");
    }

    [Theory, MemberData(nameof(Backends))]
    public void Bad_calls_name_the_shapes(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        using var x = Tensor.Zeros(backend, new Shape(2, 6));
        using var w = Tensor.Zeros(backend, new Shape(6));
        using var badW = Tensor.Zeros(backend, new Shape(5));
        using var badG = Tensor.Zeros(backend, new Shape(6, 2));
        var e = Assert.Throws<ArgumentException>(() => backend.LayerNormBackward(x, w, badG));
        Assert.Contains("[2, 6]", e.Message);
        Assert.Contains("[6, 2]", e.Message);
        e = Assert.Throws<ArgumentException>(() => backend.RmsNormBackward(x, badW, x));
        Assert.Contains("[5]", e.Message);
        Assert.Contains("rms-norm-backward", e.Message);
        Assert.Throws<ArgumentException>(() => backend.LayerNormBackward(x, w, x, -1f));
    }
}
