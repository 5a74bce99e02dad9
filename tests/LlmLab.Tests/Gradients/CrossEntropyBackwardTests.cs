using LlmLab.Tensors;
using LlmLab.Tests.Infrastructure;
using LlmLab.Tests.References;

namespace LlmLab.Tests.Gradients;

/// <summary>
/// Cross-entropy backward, dlogits = (softmax - onehot(target)) gradLoss with ignored rows 0, against float64.
/// Tolerances: 1e-5 absolute + 1e-4 relative against a finite difference of the float64 per-row loss (tiny shapes,
/// L = sum(gradLoss * loss)); 1e-6 absolute + 1e-5 relative against the analytic float64 backward on rows up to
/// 5000 wide; i32 and i64 targets give the same bits.
/// </summary>
[Collection("backends")]
public class CrossEntropyBackwardTests
{
    public static TheoryData<string> Backends => TestBackends.All;

    [Theory, MemberData(nameof(Backends))]
    public void Gradient_matches_a_float64_finite_difference(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        foreach (var (rows, classes) in new[] { (1, 1), (2, 3), (3, 17) })
        {
            var logits = TestData.Normal(rows + classes, rows * classes, 2);
            var targets = TestData.Integers(classes, rows, 0, classes);
            if (rows == 3) targets[1] = -100; // an ignored row
            var gradLoss = TestData.Uniform(rows * 3, rows);
            long[] longTargets = Array.ConvertAll(targets, v => (long)v);
            var expected = BackwardReference.FiniteDifference(
                l => RowOpsReference.CrossEntropy(l, classes, longTargets, -100), TestData.ToDouble(logits), TestData.ToDouble(gradLoss));
            using var tl = Tensor.From(backend, logits, rows, classes);
            using var tt = Tensor.From(backend, targets, rows);
            using var tg = Tensor.From(backend, gradLoss, rows);
            var actual = backend.CrossEntropyBackward(tl, tt, tg).ToArray<float>();
            AssertClose.Within(expected, actual, 1e-5, 1e-4, $"cross-entropy {rows}x{classes}");
            if (rows == 3) Assert.All(actual.AsSpan(classes, classes).ToArray(), v => Assert.Equal(0f, v));
        }
    }

    [Theory, MemberData(nameof(Backends))]
    public void Gradient_matches_the_analytic_float64_backward(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        // ILGPU's CPU simulator runs a 1024-thread group slowly: smaller shapes there.
        var shapes = backendName == "cpu" ? new[] { (4, 1000, -100), (2, 5003, 7), (40, 33, -1) } : new[] { (2, 1000, -100), (8, 33, -1) };
        foreach (var (rows, classes, ignoreIndex) in shapes)
        {
            var logits = TestData.Normal(rows * 7 + classes, rows * classes, 4);
            var targets = TestData.Integers(rows + classes, rows, 0, classes);
            targets[rows / 2] = ignoreIndex;
            var gradLoss = TestData.Uniform(rows, rows, 2);
            long[] longTargets = Array.ConvertAll(targets, v => (long)v);
            var expected = BackwardReference.CrossEntropyBackward(TestData.ToDouble(logits), classes, longTargets, TestData.ToDouble(gradLoss), ignoreIndex);
            using var tl = Tensor.From(backend, logits, rows, classes);
            using var t32 = Tensor.From(backend, targets, rows);
            using var t64 = Tensor.From(backend, longTargets, rows);
            using var tg = Tensor.From(backend, gradLoss, rows);
            var a = backend.CrossEntropyBackward(tl, t32, tg, ignoreIndex).ToArray<float>();
            AssertClose.Within(expected, a, 1e-6, 1e-5, $"cross-entropy {rows}x{classes}");
            AssertClose.BitIdentical(a, backend.CrossEntropyBackward(tl, t64, tg, ignoreIndex).ToArray<float>(), $"cross-entropy i64 {rows}x{classes}");
        }
    }

    [Fact]
    public void Cpu_gives_the_same_bits_on_one_and_two_threads()
    {
        const int rows = 64, classes = 5003;
        var logits = TestData.Normal(51, rows * classes, 3);
        var targets = TestData.Integers(52, rows, 0, classes);
        var gradLoss = TestData.Uniform(53, rows);
        var one = TestBackends.CpuWithThreads(1);
        var two = TestBackends.CpuWithThreads(2);
        using var l1 = Tensor.From(one, logits, rows, classes);
        using var t1 = Tensor.From(one, targets, rows);
        using var g1 = Tensor.From(one, gradLoss, rows);
        AssertClose.BitIdentical(one.CrossEntropyBackward(l1, t1, g1).ToArray<float>(),
            two.CrossEntropyBackward(l1.To(two), t1.To(two), g1.To(two)).ToArray<float>(), "cross-entropy");
    }

    [Theory, MemberData(nameof(Backends))]
    public void Bad_calls_name_the_shapes_and_targets(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        using var logits = Tensor.Zeros(backend, new Shape(3, 5));
        using var targets = Tensor.From(backend, new[] { 0, 1, 2 }, 3);
        using var bad = Tensor.From(backend, new[] { 0, 9, 2 }, 3);
        using var g = Tensor.Zeros(backend, new Shape(3));
        using var wrong = Tensor.Zeros(backend, new Shape(4));
        var e = Assert.Throws<ArgumentException>(() => backend.CrossEntropyBackward(logits, targets, wrong));
        Assert.Contains("[3, 5]", e.Message);
        Assert.Contains("[4]", e.Message);
        e = Assert.Throws<ArgumentException>(() => backend.CrossEntropyBackward(logits, bad, g));
        Assert.Contains("target 9", e.Message);
        using var intGrad = Tensor.Zeros(backend, new Shape(3), DType.I32);
        Assert.Contains("i32", Assert.Throws<ArgumentException>(() => backend.CrossEntropyBackward(logits, targets, intGrad)).Message);
    }
}
