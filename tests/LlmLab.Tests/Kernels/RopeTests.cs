using LlmLab.Backends;
using LlmLab.Backends.Cpu.Kernels;
using LlmLab.Tensors;
using LlmLab.Tests.Infrastructure;
using LlmLab.Tests.References;

namespace LlmLab.Tests.Kernels;

/// <summary>
/// Rotary embedding (Hugging Face Llama's rotate-half layout) against float64 with the exact angle
/// position * theta^(-2i/dim). Tolerance 2e-6 absolute + 1e-6 relative on inputs in [-1, 1] (cos/sin each round by
/// half an ulp, then one product and one FMA), at positions up to 100,000.
/// </summary>
[Collection("backends")]
public class RopeTests
{
    public static TheoryData<string> Backends => TestBackends.All;

    [Theory, MemberData(nameof(Backends))]
    public void Rope_matches_float64_with_positions_per_time(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        foreach (int dim in new[] { 2, 6, 34, 64 })
            foreach (int time in new[] { 1, 3, 17 })
            {
                var positions = Enumerable.Range(0, time).Select(t => t * 5 + 2).ToArray();
                Check(backend, 2, 3, time, dim, positions, perBatch: false, 10000f);
            }
    }

    [Theory, MemberData(nameof(Backends))]
    public void Rope_matches_float64_with_positions_per_batch_and_time(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        foreach (int dim in new[] { 2, 34, 128 })
            foreach (int time in new[] { 1, 5 })
            {
                var positions = TestData.Integers(dim + time, 3 * time, 0, 4096);
                Check(backend, 3, 2, time, dim, positions, perBatch: true, 10000f);
            }
    }

    [Theory, MemberData(nameof(Backends))]
    public void Large_positions_and_other_bases_keep_their_accuracy(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        int[] positions = [0, 1, 4095, 32767, 99_999, -7, 65_536];
        Check(backend, 1, 2, positions.Length, 64, positions, perBatch: false, 10000f);
        Check(backend, 1, 2, positions.Length, 128, positions, perBatch: false, 500000f);
        Check(backend, 1, 1, positions.Length, 8, positions, perBatch: false, 1f);
    }

    [Fact]
    public void The_managed_cos_and_sin_match_the_exact_angle_to_double_precision()
    {
        ulong[] turns = RotaryAngles.TurnsPerPosition(64, 10000f);
        var random = new System.Random(3);
        for (int k = 0; k < 2000; k++)
        {
            int i = random.Next(turns.Length);
            int position = random.Next(-200_000, 200_000);
            double angle = position * Math.Pow(10000.0, -2.0 * i / 64);
            var (cos, sin) = RotaryAngles.CosSin(unchecked((ulong)(long)position * turns[i]));
            // Both angles carry the 2^-53 relative rounding of the frequency: |position| * 2e-16 radians here.
            Assert.True(Math.Abs(cos - Math.Cos(angle)) < 1e-10, $"cos at position {position}, pair {i}: {cos:R} vs {Math.Cos(angle):R}");
            Assert.True(Math.Abs(sin - Math.Sin(angle)) < 1e-10, $"sin at position {position}, pair {i}: {sin:R} vs {Math.Sin(angle):R}");
        }
        // Angles given exactly as turns, where only the reduction and the polynomials count.
        for (int k = 0; k < 2000; k++)
        {
            ulong turn = (ulong)random.NextInt64();
            double angle = turn * RotaryAngles.RadiansPerUnit;
            var (cos, sin) = RotaryAngles.CosSin(turn);
            Assert.True(Math.Abs(cos - Math.Cos(angle)) < 1e-15 && Math.Abs(sin - Math.Sin(angle)) < 1e-15, $"turn {turn}");
        }
    }

    [Fact]
    public void Cpu_gives_the_same_bits_on_one_and_two_threads()
    {
        var x = TestData.Uniform(9, 4 * 6 * 33 * 64, 1);
        var positions = TestData.Integers(10, 4 * 33, 0, 2048);
        var one = TestBackends.CpuWithThreads(1);
        var two = TestBackends.CpuWithThreads(2);
        using var x1 = Tensor.From(one, x, 4, 6, 33, 64);
        using var x2 = Tensor.From(two, x, 4, 6, 33, 64);
        using var p1 = Tensor.From(one, positions, 4, 33);
        using var p2 = Tensor.From(two, positions, 4, 33);
        AssertClose.BitIdentical(one.Rope(x1, p1).ToArray<float>(), two.Rope(x2, p2).ToArray<float>(), "rope");
    }

    [Theory, MemberData(nameof(Backends))]
    public void An_odd_head_dimension_is_named_in_the_error(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        using var x = Tensor.Zeros(backend, new Shape(1, 2, 3, 5));
        using var positions = Tensor.From(backend, new[] { 0, 1, 2 }, 3);
        var e = Assert.Throws<ArgumentException>(() => backend.Rope(x, positions));
        Assert.Contains("even", e.Message);
        Assert.Contains("[1, 2, 3, 5]", e.Message);
    }

    [Theory, MemberData(nameof(Backends))]
    public void Positions_of_the_wrong_shape_are_named_in_the_error(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        using var x = Tensor.Zeros(backend, new Shape(2, 2, 3, 4));
        using var positions = Tensor.From(backend, new[] { 0, 1, 2, 3 }, 4);
        var e = Assert.Throws<ArgumentException>(() => backend.Rope(x, positions));
        Assert.Contains("[2, 2, 3, 4]", e.Message);
        Assert.Contains("[4]", e.Message);
        Assert.Contains("[2, 3]", e.Message);
    }

    [Theory, MemberData(nameof(Backends))]
    public void Positions_that_are_not_i32_are_refused(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        using var x = Tensor.Zeros(backend, new Shape(1, 1, 3, 4));
        using var positions = Tensor.From(backend, new[] { 0L, 1, 2 }, 3);
        var e = Assert.Throws<ArgumentException>(() => backend.Rope(x, positions));
        Assert.Contains("positions must be i32", e.Message);
        Assert.Contains("i64", e.Message);
    }

    [Theory, MemberData(nameof(Backends))]
    public void An_input_that_is_not_four_dimensional_is_named_in_the_error(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        using var x = Tensor.Zeros(backend, new Shape(3, 4));
        using var positions = Tensor.From(backend, new[] { 0, 1, 2 }, 3);
        var e = Assert.Throws<ArgumentException>(() => backend.Rope(x, positions));
        Assert.Contains("[batch, heads, time, dim]", e.Message);
        Assert.Contains("[3, 4]", e.Message);
    }

    private static void Check(IBackend backend, int batch, int heads, int time, int dim, int[] positions, bool perBatch, float theta)
    {
        var x = TestData.Uniform(batch * 1000 + dim * 10 + time, batch * heads * time * dim, 1);
        using var tx = Tensor.From(backend, x, batch, heads, time, dim);
        using var tp = perBatch ? Tensor.From(backend, positions, batch, time) : Tensor.From(backend, positions, time);
        var expected = RowOpsReference.Rope(TestData.ToDouble(x), batch, heads, time, dim, positions, perBatch, theta);
        AssertClose.Within(expected, backend.Rope(tx, tp, theta).ToArray<float>(), 2e-6, 1e-6,
            $"rope [{batch}, {heads}, {time}, {dim}] positions {(perBatch ? "[batch, time]" : "[time]")} theta {theta}");
    }
}
