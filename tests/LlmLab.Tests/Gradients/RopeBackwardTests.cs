using LlmLab.Tensors;
using LlmLab.Tests.Infrastructure;
using LlmLab.Tests.References;

namespace LlmLab.Tests.Gradients;

/// <summary>
/// Rope backward (rotation by minus the angle) against float64. Tolerances: 1e-5 absolute + 1e-5 relative against a
/// finite difference of the float64 forward (tiny shapes; rope is linear, so the difference is exact but for
/// rounding); 2e-6 absolute + 1e-6 relative, as the forward, against the float64 rotation by minus the angle on
/// larger shapes, with [time] and [batch, time] positions.
/// </summary>
[Collection("backends")]
public class RopeBackwardTests
{
    public static TheoryData<string> Backends => TestBackends.All;

    [Theory, MemberData(nameof(Backends))]
    public void Gradient_matches_a_float64_finite_difference(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        foreach (var (batch, heads, time, dim) in new[] { (1, 1, 1, 2), (1, 2, 3, 6), (2, 1, 3, 18) })
        {
            int count = batch * heads * time * dim;
            var dy = TestData.Normal(count, count);
            var x = TestData.Uniform(count + 1, count);
            var positions = TestData.Integers(dim, batch * time, 0, 500);
            bool perBatch = batch > 1;
            var expected = BackwardReference.FiniteDifference(
                v => RowOpsReference.Rope(v, batch, heads, time, dim, positions, perBatch, 10000), TestData.ToDouble(x), TestData.ToDouble(dy));
            using var tg = Tensor.From(backend, dy, batch, heads, time, dim);
            using var tp = perBatch ? Tensor.From(backend, positions, batch, time) : Tensor.From(backend, positions, time);
            AssertClose.Within(expected, backend.RopeBackward(tg, tp).ToArray<float>(), 1e-5, 1e-5, $"rope {batch}x{heads}x{time}x{dim}");
        }
    }

    [Theory, MemberData(nameof(Backends))]
    public void Gradient_is_the_rotation_by_minus_the_angle(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        foreach (var (batch, heads, time, dim, perBatch, theta) in new[] { (2, 3, 17, 64, true, 10000f), (1, 2, 5, 1000, false, 500000f), (3, 1, 9, 34, true, 10000f) })
        {
            int count = batch * heads * time * dim;
            var dy = TestData.Uniform(count + 2, count);
            var positions = TestData.Integers(count, perBatch ? batch * time : time, 0, 4096);
            var negated = Array.ConvertAll(positions, p => -p);
            var expected = RowOpsReference.Rope(TestData.ToDouble(dy), batch, heads, time, dim, negated, perBatch, theta);
            using var tg = Tensor.From(backend, dy, batch, heads, time, dim);
            using var tp = perBatch ? Tensor.From(backend, positions, batch, time) : Tensor.From(backend, positions, time);
            AssertClose.Within(expected, backend.RopeBackward(tg, tp, theta).ToArray<float>(), 2e-6, 1e-6, $"rope {batch}x{heads}x{time}x{dim}");
        }
    }

    [Fact]
    public void Cpu_gives_the_same_bits_on_one_and_two_threads()
    {
        var dy = TestData.Normal(41, 2 * 12 * 64 * 64);
        var positions = TestData.Integers(42, 64, 0, 100_000);
        var one = TestBackends.CpuWithThreads(1);
        var two = TestBackends.CpuWithThreads(2);
        using var g1 = Tensor.From(one, dy, 2, 12, 64, 64);
        using var p1 = Tensor.From(one, positions, 64);
        AssertClose.BitIdentical(one.RopeBackward(g1, p1).ToArray<float>(), two.RopeBackward(g1.To(two), p1.To(two)).ToArray<float>(), "rope");
    }

    [Theory, MemberData(nameof(Backends))]
    public void Bad_calls_name_the_shapes(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        using var g = Tensor.Zeros(backend, new Shape(1, 2, 3, 8));
        using var p = Tensor.From(backend, new[] { 0, 1 }, 2);
        var e = Assert.Throws<ArgumentException>(() => backend.RopeBackward(g, p));
        Assert.Contains("[1, 2, 3, 8]", e.Message);
        Assert.Contains("[2]", e.Message);
        using var odd = Tensor.Zeros(backend, new Shape(1, 1, 2, 7));
        Assert.Throws<ArgumentException>(() => backend.RopeBackward(odd, p));
    }
}
