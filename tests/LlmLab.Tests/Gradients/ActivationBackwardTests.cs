using LlmLab.Backends;
using LlmLab.Tensors;
using LlmLab.Tests.Infrastructure;
using LlmLab.Tests.References;

namespace LlmLab.Tests.Gradients;

/// <summary>
/// GELU (tanh and exact erf forms)/SiLU/ReLU backward and SumLeading against float64. Tolerances: activations 1e-5 absolute + 1e-4 relative
/// against a finite difference of the float64 forward (tiny sizes), 2e-6 absolute + 1e-5 relative against the
/// analytic float64 derivative (the managed tanh/exp are within a few ulp); ReLU exact. SumLeading (tall shapes: the ILGPU kernel sums chunks of rows): 1e-6 absolute +
/// 1e-5 relative (f32 sums of up to 2000 terms in [-1, 1]).
/// </summary>
[Collection("backends")]
public class ActivationBackwardTests
{
    public static TheoryData<string> Backends => TestBackends.All;

    private static readonly (string Name, Func<IBackend, Tensor, Tensor, Tensor> Backward, Func<double, double> Forward, Func<double, double> Slope)[] Activations =
    [
        ("gelu", (b, x, g) => b.GeluBackward(x, g), ElementwiseReference.Gelu, BackwardReference.GeluGradient),
        ("gelu-erf", (b, x, g) => b.GeluErfBackward(x, g), ElementwiseReference.GeluErf, BackwardReference.GeluErfGradient),
        ("silu", (b, x, g) => b.SiluBackward(x, g), ElementwiseReference.Silu, BackwardReference.SiluGradient),
        ("relu", (b, x, g) => b.ReluBackward(x, g), ElementwiseReference.Relu, BackwardReference.ReluGradient),
    ];

    [Theory, MemberData(nameof(Backends))]
    public void Activation_gradients_match_a_float64_finite_difference(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        foreach (int n in new[] { 1, 3, 17 })
        {
            var x = TestData.Uniform(n, n, 3);
            for (int i = 0; i < n; i++)
                if (Math.Abs(x[i]) < 1e-3f) x[i] = 0.5f; // keep the finite difference off ReLU's kink
            var dy = TestData.Uniform(n + 50, n);
            using var tx = Tensor.From(backend, x, n);
            using var tg = Tensor.From(backend, dy, n);
            foreach (var (name, backward, forward, _) in Activations)
            {
                var expected = BackwardReference.FiniteDifference(v => v.Select(forward).ToArray(), TestData.ToDouble(x), TestData.ToDouble(dy));
                AssertClose.Within(expected, backward(backend, tx, tg).ToArray<float>(), 1e-5, 1e-4, $"{name} n={n}");
            }
        }
    }

    [Theory, MemberData(nameof(Backends))]
    public void Activation_gradients_match_the_float64_derivative(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        foreach (int[] shape in new[] { new[] { 1000 }, new[] { 3, 1367 } })
        {
            int count = shape.Aggregate(1, (a, b) => a * b);
            var x = TestData.Uniform(count, count, 6);
            x[0] = 0f; // ReLU's gradient at 0 is 0
            var dy = TestData.Normal(count + 1, count);
            using var tx = Tensor.From(backend, x, shape);
            using var tg = Tensor.From(backend, dy, shape);
            foreach (var (name, backward, _, slope) in Activations)
            {
                var expected = x.Select((v, i) => slope(v) * dy[i]).ToArray();
                AssertClose.Within(expected, backward(backend, tx, tg).ToArray<float>(), name == "relu" ? 0 : 2e-6, name == "relu" ? 0 : 1e-5, $"{name} {count}");
            }
        }
    }

    [Theory, MemberData(nameof(Backends))]
    public void SumLeading_adds_tall_columns_in_chunks(string backendName)
    {
        // A bias gradient's shape: many rows, a few column groups (the ILGPU kernel sums chunks of rows, then the
        // chunks in order). Positive values, so the float32 sum's error stays within 1e-5 of the total.
        var backend = TestBackends.Get(backendName);
        var x = TestData.Uniform(11, 1500 * 70).Select(v => v + 1.5f).ToArray();
        using var t = Tensor.From(backend, x, 1500, 70);
        using var y = backend.SumLeading(t);
        AssertClose.Within(BackwardReference.SumLeading(TestData.ToDouble(x), 70), y.ToArray<float>(), 1e-6, 1e-5, "sum-leading 1500x70");
    }

    [Theory, MemberData(nameof(Backends))]
    public void SumLeading_adds_every_leading_row(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        foreach (int[] shape in new[] { new[] { 1 }, new[] { 1, 1 }, new[] { 3, 17 }, new[] { 2, 3, 17 }, new[] { 7, 1000 }, new[] { 2000, 3 }, new[] { 40, 300 } })
        {
            int count = shape.Aggregate(1, (a, b) => a * b);
            var x = TestData.Uniform(count + 7, count);
            using var t = Tensor.From(backend, x, shape);
            var y = backend.SumLeading(t);
            Assert.Equal(new Shape(shape[^1]), y.Shape);
            AssertClose.Within(BackwardReference.SumLeading(TestData.ToDouble(x), shape[^1]), y.ToArray<float>(), 1e-6, 1e-5, $"sum-leading {string.Join("x", shape)}");
            // It is the gradient of a broadcast Add's operand: the finite difference of sum(dy * (a + b)) in b.
            if (count <= 51)
            {
                var a = TestData.Uniform(count + 8, count);
                int n = shape[^1];
                var fd = BackwardReference.FiniteDifference(b => AddForward(a, b), new double[n], TestData.ToDouble(x));
                AssertClose.Within(fd, y.ToArray<float>(), 1e-5, 1e-4, $"sum-leading as add's gradient {string.Join("x", shape)}");
            }
        }
    }

    private static double[] AddForward(float[] a, double[] b) =>
        ElementwiseReference.Broadcast(TestData.ToDouble(a), b, (u, v) => u + v);

    [Fact]
    public void Cpu_gives_the_same_bits_on_one_and_two_threads()
    {
        var x = TestData.Uniform(70, 311 * 323, 5);
        var dy = TestData.Normal(71, 311 * 323);
        var one = TestBackends.CpuWithThreads(1);
        var two = TestBackends.CpuWithThreads(2);
        using var x1 = Tensor.From(one, x, 311, 323);
        using var g1 = Tensor.From(one, dy, 311, 323);
        using var x2 = Tensor.From(two, x, 311, 323);
        using var g2 = Tensor.From(two, dy, 311, 323);
        AssertClose.BitIdentical(one.GeluBackward(x1, g1).ToArray<float>(), two.GeluBackward(x2, g2).ToArray<float>(), "gelu");
        AssertClose.BitIdentical(one.GeluErfBackward(x1, g1).ToArray<float>(), two.GeluErfBackward(x2, g2).ToArray<float>(), "gelu-erf");
        AssertClose.BitIdentical(one.SiluBackward(x1, g1).ToArray<float>(), two.SiluBackward(x2, g2).ToArray<float>(), "silu");
        AssertClose.BitIdentical(one.ReluBackward(x1, g1).ToArray<float>(), two.ReluBackward(x2, g2).ToArray<float>(), "relu");
        AssertClose.BitIdentical(one.SumLeading(x1).ToArray<float>(), two.SumLeading(x2).ToArray<float>(), "sum-leading");
        using var tall1 = Tensor.From(one, x, 311 * 323, 1);
        using var tall2 = Tensor.From(two, x, 311 * 323, 1);
        AssertClose.BitIdentical(one.SumLeading(tall1).ToArray<float>(), two.SumLeading(tall2).ToArray<float>(), "sum-leading of one column");
    }

    [Theory, MemberData(nameof(Backends))]
    public void A_gradient_of_another_shape_is_refused_naming_both_shapes(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        using var x = Tensor.Zeros(backend, new Shape(2, 3));
        using var g = Tensor.Zeros(backend, new Shape(3, 2));
        var e = Assert.Throws<ArgumentException>(() => backend.GeluBackward(x, g));
        Assert.Contains("[2, 3]", e.Message);
        Assert.Contains("[3, 2]", e.Message);
        Assert.Contains("gelu-backward", e.Message);
        Assert.Contains("gelu-erf-backward", Assert.Throws<ArgumentException>(() => backend.GeluErfBackward(x, g)).Message);
        Assert.Throws<ArgumentException>(() => backend.SiluBackward(x, g));
        Assert.Throws<ArgumentException>(() => backend.ReluBackward(x, g));
    }

    [Theory, MemberData(nameof(Backends))]
    public void A_dtype_the_op_does_not_take_is_refused(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        using var ids = Tensor.From(backend, new[] { 1, 2, 3 }, 3);
        using var g = Tensor.Zeros(backend, new Shape(3));
        Assert.Contains("i32", Assert.Throws<ArgumentException>(() => backend.GeluBackward(ids, g)).Message);
        Assert.Contains("i32", Assert.Throws<ArgumentException>(() => backend.ReluBackward(g, ids)).Message);
        Assert.Contains("i32", Assert.Throws<ArgumentException>(() => backend.SumLeading(ids)).Message);
        using var scalar = Tensor.Zeros(backend, new Shape());
        Assert.Contains("[]", Assert.Throws<ArgumentException>(() => backend.SumLeading(scalar)).Message);
    }
}
