using LlmLab.Backends;
using LlmLab.Tensors;
using LlmLab.Tests.Infrastructure;
using LlmLab.Tests.References;

namespace LlmLab.Tests.Kernels;

/// <summary>
/// Softmax and log-softmax over the last axis, with and without a keep-mask, against float64. Tolerances: softmax
/// 1e-6 absolute (outputs are at most 1); log-softmax 1e-5 absolute + 1e-6 relative (x - max alone rounds by half an
/// ulp of |x - max|, e.g. 8e-6 at -160). Dropped entries must be exactly 0 / -infinity.
/// </summary>
[Collection("backends")]
public class SoftmaxTests
{
    public static TheoryData<string> Backends => TestBackends.All;
    private static readonly int[] RowCounts = [1, 3, 17];

    private static int[] Lengths(string backend) => backend == "cpu" ? [1, 3, 17, 1000, 4099] : [1, 3, 17, 1000];

    [Theory, MemberData(nameof(Backends))]
    public void Softmax_and_log_softmax_match_float64(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        foreach (int length in Lengths(backendName))
            foreach (int rows in RowCounts)
            {
                var x = TestData.Normal(length * 31 + rows, rows * length, 3);
                using var t = Tensor.From(backend, x, rows, length);
                var d = TestData.ToDouble(x);
                AssertClose.Within(RowOpsReference.Softmax(d, length), backend.Softmax(t).ToArray<float>(), 1e-6, 0, $"softmax {rows}x{length}");
                AssertClose.Within(RowOpsReference.LogSoftmax(d, length), backend.LogSoftmax(t).ToArray<float>(), 1e-5, 1e-6, $"log-softmax {rows}x{length}");
            }
    }

    [Theory, MemberData(nameof(Backends))]
    public void A_mask_of_the_full_shape_drops_entries(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        foreach (int length in Lengths(backendName))
            foreach (int rows in RowCounts)
            {
                var x = TestData.Normal(length + rows, rows * length, 2);
                var keep = TestData.Integers(length * 7 + rows, rows * length, 0, 2);
                Check(backend, x, [rows, length], keep, [rows, length], $"{rows}x{length}");
            }
    }

    [Theory, MemberData(nameof(Backends))]
    public void A_mask_of_the_trailing_dimensions_broadcasts_over_the_leading_ones(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        foreach (int length in Lengths(backendName))
        {
            var x = TestData.Normal(length, 2 * 3 * length, 2);
            Check(backend, x, [2, 3, length], TestData.Integers(length + 1, length, 0, 2), [length], $"mask [{length}]");
            Check(backend, x, [2, 3, length], TestData.Integers(length + 2, 3 * length, 0, 2), [3, length], $"mask [3, {length}]");
        }
    }

    [Theory, MemberData(nameof(Backends))]
    public void A_fully_masked_row_is_all_zero_and_all_minus_infinity(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        foreach (int length in Lengths(backendName))
        {
            var x = TestData.Normal(length, 3 * length, 2);
            var keep = Enumerable.Repeat(1, 3 * length).ToArray();
            Array.Clear(keep, length, length); // row 1 keeps nothing
            keep[0] = 0;
            var (softmax, logSoftmax) = Check(backend, x, [3, length], keep, [3, length], $"length {length}");
            Assert.All(softmax.AsSpan(length, length).ToArray(), v => Assert.Equal(0f, v));
            Assert.All(logSoftmax.AsSpan(length, length).ToArray(), v => Assert.Equal(float.NegativeInfinity, v));
        }
    }

    [Theory, MemberData(nameof(Backends))]
    public void Large_logits_do_not_overflow(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        var x = TestData.Uniform(5, 3 * 1000, 80);
        x[7] = 80f;
        x[1500] = -80f;
        using var t = Tensor.From(backend, x, 3, 1000);
        var d = TestData.ToDouble(x);
        AssertClose.Within(RowOpsReference.Softmax(d, 1000), backend.Softmax(t).ToArray<float>(), 1e-6, 0, "softmax of +-80");
        AssertClose.Within(RowOpsReference.LogSoftmax(d, 1000), backend.LogSoftmax(t).ToArray<float>(), 1e-5, 1e-6, "log-softmax of +-80");
    }

    [Fact]
    public void Cpu_gives_the_same_bits_on_one_and_two_threads()
    {
        var x = TestData.Normal(11, 33 * 4099, 4);
        var keep = TestData.Integers(12, 4099, 0, 4);
        var one = TestBackends.CpuWithThreads(1);
        var two = TestBackends.CpuWithThreads(2);
        using var x1 = Tensor.From(one, x, 33, 4099);
        using var x2 = Tensor.From(two, x, 33, 4099);
        using var k1 = Tensor.From(one, keep, 4099);
        using var k2 = Tensor.From(two, keep, 4099);
        AssertClose.BitIdentical(one.Softmax(x1).ToArray<float>(), two.Softmax(x2).ToArray<float>(), "softmax");
        AssertClose.BitIdentical(one.LogSoftmax(x1, k1).ToArray<float>(), two.LogSoftmax(x2, k2).ToArray<float>(), "log-softmax");
    }

    [Theory, MemberData(nameof(Backends))]
    public void A_mask_that_does_not_broadcast_is_named_in_the_error(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        using var x = Tensor.Zeros(backend, new Shape(2, 3, 5));
        using var mask = Tensor.Zeros(backend, new Shape(2, 5), DType.I32);
        var e = Assert.Throws<ArgumentException>(() => backend.Softmax(x, mask));
        Assert.Contains("[2, 3, 5]", e.Message);
        Assert.Contains("[2, 5]", e.Message);
    }

    [Theory, MemberData(nameof(Backends))]
    public void A_mask_that_is_not_i32_is_refused(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        using var x = Tensor.Zeros(backend, new Shape(2, 5));
        using var mask = Tensor.Zeros(backend, new Shape(2, 5));
        var e = Assert.Throws<ArgumentException>(() => backend.LogSoftmax(x, mask));
        Assert.Contains("mask must be i32", e.Message);
        Assert.Contains("f32", e.Message);
    }

    [Theory, MemberData(nameof(Backends))]
    public void An_input_that_is_not_f32_is_refused(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        using var x = Tensor.Zeros(backend, new Shape(2, 5), DType.I32);
        var e = Assert.Throws<ArgumentException>(() => backend.Softmax(x));
        Assert.Contains("i32", e.Message);
        Assert.Contains("[2, 5]", e.Message);
    }

    private static (float[] Softmax, float[] LogSoftmax) Check(IBackend backend, float[] x, int[] shape, int[] keep, int[] maskShape, string what)
    {
        using var t = Tensor.From(backend, x, shape);
        using var mask = Tensor.From(backend, keep, maskShape);
        var d = TestData.ToDouble(x);
        int length = shape[^1];
        var softmax = backend.Softmax(t, mask).ToArray<float>();
        var logSoftmax = backend.LogSoftmax(t, mask).ToArray<float>();
        AssertClose.Within(RowOpsReference.Softmax(d, length, keep), softmax, 1e-6, 0, $"masked softmax {what}");
        AssertClose.Within(RowOpsReference.LogSoftmax(d, length, keep), logSoftmax, 1e-5, 1e-6, $"masked log-softmax {what}");
        for (int i = 0; i < x.Length; i++)
            if (keep[i % keep.Length] == 0)
            {
                Assert.Equal(0f, softmax[i]);
                Assert.Equal(float.NegativeInfinity, logSoftmax[i]);
            }
        return (softmax, logSoftmax);
    }
}
