using LlmLab.Tensors;
using LlmLab.Tests.Infrastructure;
using LlmLab.Tests.References;

namespace LlmLab.Tests.Gradients;

/// <summary>
/// Softmax and log-softmax backward (fed the backend's own forward output) against float64. Tolerances: 1e-5
/// absolute + 1e-4 relative against a finite difference of the float64 forward (tiny rows, with and without a mask);
/// 1e-6 absolute + 1e-4 relative (softmax) and 2e-6 absolute + 1e-4 relative (log-softmax) against the analytic
/// float64 backward of the same f32 output on rows up to 1000 wide. Masked entries and fully masked rows get 0.
/// </summary>
[Collection("backends")]
public class SoftmaxBackwardTests
{
    public static TheoryData<string> Backends => TestBackends.All;

    [Theory, MemberData(nameof(Backends))]
    public void Gradients_match_a_float64_finite_difference(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        foreach (var (rows, length) in new[] { (1, 1), (2, 3), (3, 17) })
        {
            var x = TestData.Uniform(rows * 10 + length, rows * length, 3);
            var dy = TestData.Normal(rows + length, rows * length);
            var dx = TestData.ToDouble(x);
            var ddy = TestData.ToDouble(dy);
            using var tx = Tensor.From(backend, x, rows, length);
            using var tg = Tensor.From(backend, dy, rows, length);
            using var y = backend.Softmax(tx);
            using var logY = backend.LogSoftmax(tx);
            AssertClose.Within(BackwardReference.FiniteDifference(v => RowOpsReference.Softmax(v, length), dx, ddy),
                backend.SoftmaxBackward(y, tg).ToArray<float>(), 1e-5, 1e-4, $"softmax {rows}x{length}");
            AssertClose.Within(BackwardReference.FiniteDifference(v => RowOpsReference.LogSoftmax(v, length), dx, ddy),
                backend.LogSoftmaxBackward(logY, tg).ToArray<float>(), 1e-5, 1e-4, $"log-softmax {rows}x{length}");
        }
    }

    [Theory, MemberData(nameof(Backends))]
    public void Masked_rows_match_a_float64_finite_difference(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        const int rows = 3, length = 17;
        var keep = TestData.Integers(5, 2 * length, 0, 2); // [2, 17], repeating over the leading axis
        keep.AsSpan(length, length).Clear(); // the second mask row drops everything
        var x = TestData.Uniform(6, 2 * rows * length, 2);
        var dy = TestData.Normal(7, 2 * rows * length);
        using var tx = Tensor.From(backend, x, rows, 2, length);
        using var tm = Tensor.From(backend, keep, 2, length);
        using var tg = Tensor.From(backend, dy, rows, 2, length);
        var dx = TestData.ToDouble(x);
        var ddy = TestData.ToDouble(dy);
        using var y = backend.Softmax(tx, tm);
        using var logY = backend.LogSoftmax(tx, tm);
        var softmax = backend.SoftmaxBackward(y, tg).ToArray<float>();
        var logSoftmax = backend.LogSoftmaxBackward(logY, tg).ToArray<float>();
        AssertClose.Within(BackwardReference.FiniteDifference(v => RowOpsReference.Softmax(v, length, keep), dx, ddy), softmax, 1e-5, 1e-4, "masked softmax");
        AssertClose.Within(BackwardReference.FiniteDifference(v => RowOpsReference.LogSoftmax(v, length, keep), dx, ddy), logSoftmax, 1e-5, 1e-4, "masked log-softmax");
        for (int i = 0; i < x.Length; i++)
            if (keep[i % keep.Length] == 0)
            {
                Assert.Equal(0f, softmax[i]);
                Assert.Equal(0f, logSoftmax[i]);
            }
    }

    [Theory, MemberData(nameof(Backends))]
    public void Gradients_match_the_analytic_float64_backward(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        // ILGPU's CPU simulator runs a 1024-thread group slowly: smaller shapes there.
        var shapes = backendName == "cpu" ? new[] { (3, 1000), (2, 4099), (64, 33) } : new[] { (1, 1000), (8, 33) };
        foreach (var (rows, length) in shapes)
        {
            var x = TestData.Normal(rows + length, rows * length, 3);
            var dy = TestData.Normal(rows * length, rows * length);
            using var tx = Tensor.From(backend, x, rows, length);
            using var tg = Tensor.From(backend, dy, rows, length);
            using var y = backend.Softmax(tx);
            using var logY = backend.LogSoftmax(tx);
            var ddy = TestData.ToDouble(dy);
            AssertClose.Within(BackwardReference.SoftmaxBackward(TestData.ToDouble(y.ToArray<float>()), ddy, length),
                backend.SoftmaxBackward(y, tg).ToArray<float>(), 1e-6, 1e-4, $"softmax {rows}x{length}");
            AssertClose.Within(BackwardReference.LogSoftmaxBackward(TestData.ToDouble(logY.ToArray<float>()), ddy, length),
                backend.LogSoftmaxBackward(logY, tg).ToArray<float>(), 2e-6, 1e-4, $"log-softmax {rows}x{length}");
        }
    }

    [Fact]
    public void Cpu_gives_the_same_bits_on_one_and_two_threads()
    {
        var x = TestData.Normal(11, 300 * 1001, 3);
        var dy = TestData.Normal(12, 300 * 1001);
        var one = TestBackends.CpuWithThreads(1);
        var two = TestBackends.CpuWithThreads(2);
        using var x1 = Tensor.From(one, x, 300, 1001);
        using var g1 = Tensor.From(one, dy, 300, 1001);
        using var y = one.Softmax(x1);
        using var logY = one.LogSoftmax(x1);
        using var y2 = y.To(two);
        using var logY2 = logY.To(two);
        using var g2 = g1.To(two);
        AssertClose.BitIdentical(one.SoftmaxBackward(y, g1).ToArray<float>(), two.SoftmaxBackward(y2, g2).ToArray<float>(), "softmax");
        AssertClose.BitIdentical(one.LogSoftmaxBackward(logY, g1).ToArray<float>(), two.LogSoftmaxBackward(logY2, g2).ToArray<float>(), "log-softmax");
    }

    [Theory, MemberData(nameof(Backends))]
    public void A_gradient_of_another_shape_is_refused_naming_both_shapes(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        using var y = Tensor.Zeros(backend, new Shape(2, 5));
        using var g = Tensor.Zeros(backend, new Shape(2, 4));
        var e = Assert.Throws<ArgumentException>(() => backend.SoftmaxBackward(y, g));
        Assert.Contains("[2, 5]", e.Message);
        Assert.Contains("[2, 4]", e.Message);
        e = Assert.Throws<ArgumentException>(() => backend.LogSoftmaxBackward(y, g));
        Assert.Contains("log-softmax-backward", e.Message);
        using var ids = Tensor.Zeros(backend, new Shape(2, 5), DType.I32);
        Assert.Contains("i32", Assert.Throws<ArgumentException>(() => backend.SoftmaxBackward(ids, y)).Message);
    }
}
