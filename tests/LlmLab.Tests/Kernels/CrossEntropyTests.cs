using LlmLab.Backends;
using LlmLab.Tensors;
using LlmLab.Tests.Infrastructure;
using LlmLab.Tests.References;

namespace LlmLab.Tests.Kernels;

/// <summary>
/// Per-row cross-entropy against float64 (logsumexp(row) - row[target], 0 on ignored rows). Tolerance 2e-5 absolute
/// + 2e-6 relative: the loss subtracts two numbers of the logits' size, each rounded to f32.
/// </summary>
[Collection("backends")]
public class CrossEntropyTests
{
    public static TheoryData<string> Backends => TestBackends.All;
    private static readonly int[] RowCounts = [1, 3, 17];

    private static int[] Classes(string backend) => backend == "cpu" ? [1, 3, 17, 1000, 4099] : [1, 3, 17, 1000];

    [Theory, MemberData(nameof(Backends))]
    public void Cross_entropy_matches_float64_with_i32_and_i64_targets(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        foreach (int classes in Classes(backendName))
            foreach (int rows in RowCounts)
            {
                var logits = TestData.Normal(classes + rows, rows * classes, 3);
                var targets = TestData.Integers(classes * 3 + rows, rows, 0, classes);
                if (rows > 1) targets[1] = -100;
                Check(backend, logits, rows, classes, targets, -100, $"{rows}x{classes}");
            }
    }

    [Theory, MemberData(nameof(Backends))]
    public void Large_logits_do_not_overflow(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        const int Rows = 4, Classes = 1000;
        var logits = TestData.Uniform(21, Rows * Classes, 80);
        logits[5] = 80f;
        logits[Classes + 6] = -80f;
        Check(backend, logits, Rows, Classes, [5, 6, 7, 999], -100, "logits of +-80");
    }

    [Theory, MemberData(nameof(Backends))]
    public void Ignored_rows_give_zero_even_when_every_row_is_ignored(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        var logits = TestData.Normal(4, 3 * 17, 2);
        using var t = Tensor.From(backend, logits, 3, 17);
        using var targets = Tensor.From(backend, new[] { -100, -100, -100 }, 3);
        Assert.Equal(new float[3], backend.CrossEntropy(t, targets).ToArray<float>());
        // Any ignore index works, including one inside the class range.
        Check(backend, logits, 3, 17, [2, 4, 2], 2, "ignore index 2");
    }

    [Theory, MemberData(nameof(Backends))]
    public void A_target_out_of_range_names_the_target_its_row_and_the_range(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        using var logits = Tensor.Zeros(backend, new Shape(3, 5));
        using var targets = Tensor.From(backend, new[] { 0, -100, 5 }, 3);
        var e = Assert.Throws<ArgumentException>(() => backend.CrossEntropy(logits, targets));
        Assert.Contains("target 5", e.Message);
        Assert.Contains("row 2", e.Message);
        Assert.Contains("[0, 5)", e.Message);

        using var wide = Tensor.From(backend, new[] { 0L, (1L << 32) + 1, 1 }, 3);
        e = Assert.Throws<ArgumentException>(() => backend.CrossEntropy(logits, wide));
        Assert.Contains($"target {(1L << 32) + 1}", e.Message);
        Assert.Contains("row 1", e.Message);
    }

    [Theory, MemberData(nameof(Backends))]
    public void Targets_of_the_wrong_shape_are_named_in_the_error(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        using var logits = Tensor.Zeros(backend, new Shape(3, 5));
        using var targets = Tensor.From(backend, new[] { 0, 1 }, 2);
        var e = Assert.Throws<ArgumentException>(() => backend.CrossEntropy(logits, targets));
        Assert.Contains("[3, 5]", e.Message);
        Assert.Contains("[2]", e.Message);
    }

    [Theory, MemberData(nameof(Backends))]
    public void Targets_that_are_not_integers_are_refused(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        using var logits = Tensor.Zeros(backend, new Shape(3, 5));
        using var targets = Tensor.Zeros(backend, new Shape(3));
        var e = Assert.Throws<ArgumentException>(() => backend.CrossEntropy(logits, targets));
        Assert.Contains("i32 or i64", e.Message);
        Assert.Contains("f32", e.Message);
    }

    [Fact]
    public void Cpu_gives_the_same_bits_on_one_and_two_threads()
    {
        var logits = TestData.Normal(1, 31 * 5003, 4);
        var targets = TestData.Integers(2, 31, 0, 5003);
        var one = TestBackends.CpuWithThreads(1);
        var two = TestBackends.CpuWithThreads(2);
        using var l1 = Tensor.From(one, logits, 31, 5003);
        using var l2 = Tensor.From(two, logits, 31, 5003);
        using var t1 = Tensor.From(one, targets, 31);
        using var t2 = Tensor.From(two, targets, 31);
        AssertClose.BitIdentical(one.CrossEntropy(l1, t1).ToArray<float>(), two.CrossEntropy(l2, t2).ToArray<float>(), "cross-entropy");
    }

    private static void Check(IBackend backend, float[] logits, int rows, int classes, int[] targets, int ignoreIndex, string what)
    {
        using var t = Tensor.From(backend, logits, rows, classes);
        using var t32 = Tensor.From(backend, targets, rows);
        using var t64 = Tensor.From(backend, Array.ConvertAll(targets, v => (long)v), rows);
        var expected = RowOpsReference.CrossEntropy(TestData.ToDouble(logits), classes, Array.ConvertAll(targets, v => (long)v), ignoreIndex);
        AssertClose.Within(expected, backend.CrossEntropy(t, t32, ignoreIndex).ToArray<float>(), 2e-5, 2e-6, $"cross-entropy i32 {what}");
        AssertClose.Within(expected, backend.CrossEntropy(t, t64, ignoreIndex).ToArray<float>(), 2e-5, 2e-6, $"cross-entropy i64 {what}");
    }
}
