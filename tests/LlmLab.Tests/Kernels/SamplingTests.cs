using LlmLab.Backends;
using LlmLab.IO;
using LlmLab.Random;
using LlmLab.Tensors;
using LlmLab.Tests.Infrastructure;
using LlmLab.Tests.References;

namespace LlmLab.Tests.Kernels;

/// <summary>
/// Sampling against Hugging Face's semantics. Tolerance: none on the warpers - the kept set and the kept values must
/// be bit-identical to the reference (HF's arithmetic on kept values is one float32 division by the temperature and
/// the penalty's one multiply or divide), and the fixture made with transformers must be reproduced exactly.
/// Draws: the token must equal the inverse-CDF reference at u = Philox(seed, step, row) wherever u is more than
/// 1e-5 away from a cumulative boundary (closer draws may flip with float rounding); empirical frequencies over
/// 20,000 draws (400 on the ILGPU simulator, whose groups cost milliseconds each) within 4.5 standard deviations
/// per bucket. The simulator runs one warp per row by default; a separate test runs wider groups (multi-warp scans).
/// </summary>
[Collection("backends")]
public class SamplingTests
{
    public static TheoryData<string> Backends => TestBackends.All;

    private static readonly SamplingOptions[] Settings =
    [
        new() { TopK = 5 },
        new() { TopK = 300 },
        new() { Temperature = 0.7f, TopP = 0.9f },
        new() { Temperature = 1.3f, TopK = 50, TopP = 0.5f },
        new() { MinP = 0.1f },
        new() { TopP = 0.3f, MinP = 0.3f, MinTokensToKeep = 3 },
        new() { RepetitionPenalty = 1.3f, Temperature = 0.8f, TopK = 10, TopP = 0.95f },
        new() { TopP = 0.2f, MinTokensToKeep = 4 },
        new() { Temperature = 2f, TopP = 0.99f },
        new() { TopK = 2000 },
    ];

    /// <summary>ILGPU's CPU simulator: correct but slow, so the tests give it fewer rows.</summary>
    private static bool Simulated(string backendName) => backendName == "ilgpu-cpu";

    private static float[] Row(float[] data, int row, int vocab) => data.AsSpan(row * vocab, vocab).ToArray();

    private static float[] Warp(IBackend backend, float[] logits, int batch, int vocab, SamplingOptions o, int[]? previous = null, int length = 0)
    {
        using var x = Tensor.From(backend, logits, batch, vocab);
        using var p = previous is null ? null : Tensor.From(backend, previous, batch, length);
        using var y = backend.ApplyWarpers(x, o, p);
        return y.ToArray<float>();
    }

    private static int[] Sample(IBackend backend, float[] logits, int batch, int vocab, SamplingOptions o, ulong seed, long step, int[]? previous = null, int length = 0)
    {
        using var x = Tensor.From(backend, logits, batch, vocab);
        using var p = previous is null ? null : Tensor.From(backend, previous, batch, length);
        using var y = backend.Sample(x, o, p, seed, step);
        return y.ToArray<int>();
    }

    private static float[] Logs(params double[] probabilities) => probabilities.Select(p => (float)Math.Log(p)).ToArray();

    private static int[] Kept(float[] row) => Enumerable.Range(0, row.Length).Where(i => !float.IsNegativeInfinity(row[i])).ToArray();

    // ---- Hugging Face's own vectors and fixture -------------------------------------------------------------

    [Theory, MemberData(nameof(Backends))]
    public void Top_p_and_min_p_keep_the_published_vectors(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        Assert.Equal([0, 3], Kept(Warp(backend, Logs(.3, .1, .1, .5), 1, 4, new() { TopP = 0.8f })));
        Assert.Equal([1, 2, 3], Kept(Warp(backend, Logs(.15, .3, .3, .25), 1, 4, new() { TopP = 0.8f })));
        Assert.Equal([0, 2], Kept(Warp(backend, Logs(.9, .0274, .047, .0274), 1, 4, new() { MinP = 0.05f })));
    }

    [Theory, MemberData(nameof(Backends))]
    public void The_transformers_fixture_is_reproduced_bit_for_bit(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        using var file = Safetensors.Open(Fixtures.Path("hf/warpers.safetensors"));
        var info = file.Info("logits");
        int batch = info.Shape[0], vocab = info.Shape[1];
        var logits = file.ReadFloats("logits");
        int checkedSettings = 0;
        foreach (string name in file.Names.Where(n => n != "logits"))
        {
            var options = name == "minp0.1" ? new SamplingOptions { MinP = 0.1f } : ParseSetting(name);
            var expected = file.ReadFloats(name);
            AssertClose.BitIdentical(expected, Warp(backend, logits, batch, vocab, options), name);
            checkedSettings++;
        }
        Assert.Equal(7, checkedSettings);
    }

    /// <summary>"t0.7_k10_p0.9" -> temperature 0.7, top-k 10, top-p 0.9.</summary>
    private static SamplingOptions ParseSetting(string name)
    {
        var parts = name.Split('_');
        return new SamplingOptions
        {
            Temperature = float.Parse(parts[0][1..], System.Globalization.CultureInfo.InvariantCulture),
            TopK = int.Parse(parts[1][1..]),
            TopP = float.Parse(parts[2][1..], System.Globalization.CultureInfo.InvariantCulture),
        };
    }

    [Theory, MemberData(nameof(Backends))]
    public void Repetition_penalty_divides_positive_and_multiplies_negative_logits_once_per_token(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        float[] logits = [2f, -1f, 0.5f, -3f, 4f, 0f, 1f, 3f, -2f, 5f];
        // Row 0 repeats token 3 and has padding (-1) and an id past the vocabulary; row 1 penalises nothing.
        int[] previous = [0, 3, 3, -1, 12, 5, -1, -1, -1, -1, -1, -1];
        var y = Warp(backend, logits, 2, 5, new() { RepetitionPenalty = 2f }, previous, 6);
        AssertClose.BitIdentical([1f, -1f, 0.5f, -6f, 4f, 0f, 1f, 3f, -2f, 5f], y, "penalty 2");
        // With a temperature, the penalised logit is divided too: (2 / 2) / 0.5 = 2, (-3 * 2) / 0.5 = -12.
        y = Warp(backend, logits, 2, 5, new() { RepetitionPenalty = 2f, Temperature = 0.5f }, previous, 6);
        AssertClose.BitIdentical([2f, -2f, 1f, -12f, 8f, 0f, 2f, 6f, -4f, 10f], y, "penalty 2, temperature 0.5");
    }

    // ---- against the float64 reference ----------------------------------------------------------------------

    [Theory, MemberData(nameof(Backends))]
    public void Warpers_match_the_reference_bit_for_bit(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        int batch = Simulated(backendName) ? 2 : 3;
        const int length = 7;
        foreach (int vocab in new[] { 1, 3, 17, 1000 })
            for (int setting = 0; setting < Settings.Length; setting++)
            {
                var options = Settings[setting];
                var logits = TestData.Normal(vocab * 31 + setting, batch * vocab, 3f);
                var previous = TestData.Integers(vocab, batch * length, -2, vocab + 2);
                var actual = Warp(backend, logits, batch, vocab, options, previous, length);
                for (int r = 0; r < batch; r++)
                {
                    var expected = SamplingReference.Warp(Row(logits, r, vocab), previous.AsSpan(r * length, length).ToArray(), options);
                    AssertClose.BitIdentical(expected, Row(actual, r, vocab), $"V={vocab} row {r} {options}");
                }
            }
    }

    [Theory, MemberData(nameof(Backends))]
    public void Removed_entries_in_the_input_stay_removed_and_a_fully_removed_row_samples_minus_one(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        const int vocab = 17;
        var logits = TestData.Normal(5, 2 * vocab, 2f);
        for (int i = 0; i < vocab; i += 3) logits[i] = float.NegativeInfinity;
        for (int i = vocab; i < 2 * vocab; i++) logits[i] = float.NegativeInfinity;
        foreach (var options in Settings)
        {
            var actual = Warp(backend, logits, 2, vocab, options);
            AssertClose.BitIdentical(SamplingReference.Warp(Row(logits, 0, vocab), null, options), Row(actual, 0, vocab), $"{options}");
            Assert.All(Row(actual, 1, vocab), v => Assert.Equal(float.NegativeInfinity, v));
            Assert.Equal(-1, Sample(backend, logits, 2, vocab, options, 3, 0)[1]);
        }
    }

    // ---- ties and edges -------------------------------------------------------------------------------------

    [Theory, MemberData(nameof(Backends))]
    public void Top_k_keeps_every_tie_at_the_threshold_and_is_a_no_op_past_the_vocabulary(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        float[] logits = [1f, 3f, 3f, 3f, 2f, 0f, 3f];
        Assert.Equal([1, 2, 3, 6], Kept(Warp(backend, logits, 1, 7, new() { TopK = 2 })));
        Assert.Equal([1, 2, 3, 4, 6], Kept(Warp(backend, logits, 1, 7, new() { TopK = 5 })));
        AssertClose.BitIdentical(logits, Warp(backend, logits, 1, 7, new() { TopK = 7 }), "k = V");
        AssertClose.BitIdentical(logits, Warp(backend, logits, 1, 7, new() { TopK = 50 }), "k > V");
        // Ties at the k-th value across the heap and radix paths, on a vocabulary of repeated values.
        var repeated = Enumerable.Range(0, 1000).Select(i => (float)(i % 10)).ToArray();
        Assert.Equal(100, Kept(Warp(backend, repeated, 1, 1000, new() { TopK = 3 })).Length);
        Assert.Equal(400, Kept(Warp(backend, repeated, 1, 1000, new() { TopK = 301 })).Length);
    }

    [Theory, MemberData(nameof(Backends))]
    public void Top_p_breaks_ties_in_index_order_like_a_stable_ascending_sort(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        // Four equal tokens: ascending cumulative .25 .5 .75 1; p = 0.5 removes the first two in index order.
        Assert.Equal([2, 3], Kept(Warp(backend, [0f, 0f, 0f, 0f], 1, 4, new() { TopP = 0.5f })));
        // A tiny p keeps only min_tokens_to_keep: the last in ascending order, i.e. the highest index among ties.
        Assert.Equal([3], Kept(Warp(backend, [0f, 0f, 0f, 0f], 1, 4, new() { TopP = 0.01f })));
        Assert.Equal([2, 3], Kept(Warp(backend, [0f, 0f, 0f, 0f], 1, 4, new() { TopP = 0.01f, MinTokensToKeep = 2 })));
    }

    [Theory, MemberData(nameof(Backends))]
    public void Greedy_picks_the_first_of_tied_maxima_after_the_penalty(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        float[] logits = [1f, 5f, 5f, 2f, -1f, -1f, -3f, -1f];
        using var x = Tensor.From(backend, logits, 2, 4);
        Assert.Equal([1, 0], backend.Argmax(x).ToArray<int>());
        Assert.Equal([1, 0], Sample(backend, logits, 2, 4, new() { Temperature = 0f }, 1, 0));
        Assert.Equal([1, 0], Sample(backend, logits, 2, 4, SamplingOptions.GreedyDecoding, 1, 0));
        // Penalising token 1 (5 -> 2.5) and token 0 in row 1 (-1 -> -2) moves greedy to 2 and 1.
        Assert.Equal([2, 1], Sample(backend, logits, 2, 4, new() { Greedy = true, RepetitionPenalty = 2f }, 1, 0, [1, 0], 1));
        var wide = TestData.Normal(9, 3 * 1000, 2f);
        wide[1000 + 777] = 50f;
        wide[1000 + 901] = 50f;
        using var w = Tensor.From(backend, wide, 3, 1000);
        var argmax = backend.Argmax(w).ToArray<int>();
        for (int r = 0; r < 3; r++)
        {
            var row = Row(wide, r, 1000);
            Assert.Equal(Array.IndexOf(row, row.Max()), argmax[r]);
        }
        Assert.Equal(777, argmax[1]);
    }

    [Theory, MemberData(nameof(Backends))]
    public void NaN_rows_give_minus_one_and_leave_other_rows_alone(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        float[] logits = [0.5f, float.NaN, 2f, 1f, 0.5f, 3f, 2f, 1f, 0f, float.PositiveInfinity, 1f, 2f];
        var tokens = Sample(backend, logits, 3, 4, new() { TopK = 2 }, 7, 0);
        Assert.Equal(-1, tokens[0]);
        Assert.Contains(tokens[1], new[] { 1, 2 });
        Assert.Equal(-1, tokens[2]);
        Assert.Equal([-1, 1, 1], Sample(backend, logits, 3, 4, SamplingOptions.GreedyDecoding, 7, 0));
        var warped = Warp(backend, logits, 3, 4, new() { TopK = 2 });
        Assert.All(Row(warped, 0, 4), v => Assert.True(float.IsNaN(v)));
        Assert.All(Row(warped, 2, 4), v => Assert.True(float.IsNaN(v)));
        Assert.Equal(new[] { float.NegativeInfinity, 3f, 2f, float.NegativeInfinity }, Row(warped, 1, 4));
        using var x = Tensor.From(backend, logits, 3, 4);
        Assert.Equal([1, 1, 1], backend.Argmax(x).ToArray<int>()); // torch.argmax: NaN is the largest
    }

    // ---- draws ----------------------------------------------------------------------------------------------

    [Theory, MemberData(nameof(Backends))]
    public void Draws_follow_the_inverse_cdf_of_the_warped_softmax(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        int batch = Simulated(backendName) ? 4 : 24;
        var settings = Settings.Append(new SamplingOptions()).Where((_, i) => !Simulated(backendName) || i % 2 == 0).ToArray();
        int asserted = 0;
        foreach (int vocab in new[] { 1, 3, 17, 1000 })
            foreach (var options in settings)
            {
                var logits = TestData.Normal(vocab + 100, batch * vocab, 2f);
                const ulong seed = 0x5EED;
                const long step = 41;
                var tokens = Sample(backend, logits, batch, vocab, options, seed, step);
                var warped = Warp(backend, logits, batch, vocab, options);
                for (int r = 0; r < batch; r++)
                {
                    var row = Row(warped, r, vocab);
                    Assert.False(float.IsNegativeInfinity(row[tokens[r]]), $"V={vocab} row {r} {options}: token {tokens[r]} was removed");
                    float u = Philox.Uniform(seed, step, (uint)r, 0);
                    if (SamplingReference.DrawMargin(row, u) < 1e-5) continue;
                    Assert.Equal(SamplingReference.Draw(row, u), tokens[r]);
                    asserted++;
                }
            }
        Assert.True(asserted > 0.95 * 4 * settings.Length * batch, $"only {asserted} draws were away from a boundary");
    }

    [Theory, MemberData(nameof(Backends))]
    public void A_seed_gives_the_same_tokens_every_time_and_rows_are_independent(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        int batch = Simulated(backendName) ? 4 : 8, steps = Simulated(backendName) ? 4 : 20;
        const int vocab = 300;
        var options = new SamplingOptions { Temperature = 1.5f, TopK = 100, TopP = 0.95f };
        var logits = TestData.Normal(3, batch * vocab, 1f);
        var first = Sample(backend, logits, batch, vocab, options, 99, 5);
        Assert.Equal(first, Sample(backend, logits, batch, vocab, options, 99, 5));
        Assert.NotEqual(first, Sample(backend, logits, batch, vocab, options, 100, 5));
        Assert.NotEqual(first, Sample(backend, logits, batch, vocab, options, 99, 6));

        // Rewriting every other row changes none of row 0's tokens over many steps.
        var changed = (float[])logits.Clone();
        var noise = TestData.Normal(4, (batch - 1) * vocab, 1f);
        noise.CopyTo(changed, vocab);
        for (long step = 0; step < steps; step++)
            Assert.Equal(Sample(backend, logits, batch, vocab, options, 7, step)[0], Sample(backend, changed, batch, vocab, options, 7, step)[0]);
    }

    [Theory, MemberData(nameof(Backends))]
    public void Empirical_frequencies_match_the_softmax(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        int draws = Simulated(backendName) ? 400 : 20_000;
        float[] row = [1f, 0.5f, 0f, -0.5f, 2f];
        var options = new SamplingOptions { Temperature = 0.9f, TopK = 4 };
        var logits = Enumerable.Range(0, draws).SelectMany(_ => row).ToArray();
        var tokens = Sample(backend, logits, draws, row.Length, options, 2026, 0);
        var p = SamplingReference.Softmax(SamplingReference.Warp(row, null, options));
        Assert.Equal(0, p[3]);
        for (int t = 0; t < row.Length; t++)
        {
            int count = tokens.Count(x => x == t);
            double mean = draws * p[t], sigma = Math.Sqrt(draws * p[t] * (1 - p[t]));
            Assert.True(Math.Abs(count - mean) <= 4.5 * sigma, $"token {t}: {count} draws, expected {mean:F0} +- {4.5 * sigma:F0}");
        }
    }

    [Fact]
    public void Cpu_draws_and_warps_the_same_bits_on_one_and_two_threads()
    {
        var one = TestBackends.CpuWithThreads(1);
        var two = TestBackends.CpuWithThreads(2);
        const int batch = 16, vocab = 5003;
        var logits = TestData.Normal(11, batch * vocab, 3f);
        var previous = TestData.Integers(12, batch * 9, -1, vocab);
        foreach (var options in Settings)
        {
            AssertClose.BitIdentical(Warp(one, logits, batch, vocab, options, previous, 9), Warp(two, logits, batch, vocab, options, previous, 9), $"{options}");
            Assert.Equal(Sample(one, logits, batch, vocab, options, 5, 3, previous, 9), Sample(two, logits, batch, vocab, options, 5, 3, previous, 9));
        }
    }

    [Theory]
    [InlineData(96)]
    [InlineData(1024)]
    public void Ilgpu_kernels_give_the_same_answers_with_several_warps_per_row(int groupSize)
    {
        var backend = (LlmLab.Backends.Ilgpu.IlgpuBackend)TestBackends.Get("ilgpu-cpu");
        backend.SamplingGroupSize = groupSize;
        try
        {
            using var file = Safetensors.Open(Fixtures.Path("hf/warpers.safetensors"));
            var logits = file.ReadFloats("logits");
            // 32 warps on the simulator cost seconds a row: two fixture rows are enough there.
            int rows = groupSize > 256 ? 2 : 6;
            AssertClose.BitIdentical(file.ReadFloats("t0.7_k10_p0.9")[..(rows * 100)],
                Warp(backend, logits[..(rows * 100)], rows, 100, ParseSetting("t0.7_k10_p0.9")), "fixture");
            if (groupSize > 256) return;
            const int batch = 2, vocab = 1000;
            var wide = TestData.Normal(77, batch * vocab, 3f);
            foreach (var options in new SamplingOptions[] { new() { TopK = 300, TopP = 0.9f }, new() { TopP = 0.6f, MinP = 0.05f, MinTokensToKeep = 5 } })
            {
                var warped = Warp(backend, wide, batch, vocab, options);
                var tokens = Sample(backend, wide, batch, vocab, options, 12, 3);
                using var x = Tensor.From(backend, wide, batch, vocab);
                var argmax = backend.Argmax(x).ToArray<int>();
                for (int r = 0; r < batch; r++)
                {
                    var expected = SamplingReference.Warp(Row(wide, r, vocab), null, options);
                    AssertClose.BitIdentical(expected, Row(warped, r, vocab), $"G={groupSize} row {r} {options}");
                    float u = Philox.Uniform(12, 3, (uint)r, 0);
                    if (SamplingReference.DrawMargin(expected, u) > 1e-5) Assert.Equal(SamplingReference.Draw(expected, u), tokens[r]);
                    Assert.Equal(Array.IndexOf(Row(wide, r, vocab), Row(wide, r, vocab).Max()), argmax[r]);
                }
            }
        }
        finally
        {
            backend.SamplingGroupSize = 0;
        }
    }

    // ---- bad calls ------------------------------------------------------------------------------------------

    [Theory, MemberData(nameof(Backends))]
    public void Settings_hugging_face_refuses_are_refused(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        using var x = Tensor.Zeros(backend, new Shape(2, 5));
        Assert.Contains("temperature", Assert.Throws<ArgumentException>(() => backend.Sample(x, new() { Temperature = -1f }, null, 1, 0)).Message);
        Assert.Contains("top-p", Assert.Throws<ArgumentException>(() => backend.ApplyWarpers(x, new() { TopP = 0f })).Message);
        Assert.Contains("top-p", Assert.Throws<ArgumentException>(() => backend.ApplyWarpers(x, new() { TopP = 1.5f })).Message);
        Assert.Contains("top-k", Assert.Throws<ArgumentException>(() => backend.ApplyWarpers(x, new() { TopK = -1 })).Message);
    }

    [Theory, MemberData(nameof(Backends))]
    public void Previous_tokens_of_another_batch_size_or_dtype_are_refused_naming_the_shapes(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        using var x = Tensor.Zeros(backend, new Shape(2, 5));
        using var wrongBatch = Tensor.Zeros(backend, new Shape(3, 4), DType.I32);
        var e = Assert.Throws<ArgumentException>(() => backend.ApplyWarpers(x, new() { RepetitionPenalty = 1.2f }, wrongBatch));
        Assert.Contains("[3, 4]", e.Message);
        Assert.Contains("[2, 5]", e.Message);
        using var wrongType = Tensor.Zeros(backend, new Shape(2, 4), DType.I64);
        e = Assert.Throws<ArgumentException>(() => backend.Sample(x, new(), wrongType, 1, 0));
        Assert.Contains("i64", e.Message);
        Assert.Contains("[2, 4]", e.Message);
    }

    [Theory, MemberData(nameof(Backends))]
    public void Logits_that_are_not_f32_batch_by_vocab_are_refused(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        using var ids = Tensor.Zeros(backend, new Shape(2, 5), DType.I32);
        Assert.Contains("i32", Assert.Throws<ArgumentException>(() => backend.Argmax(ids)).Message);
        using var flat = Tensor.Zeros(backend, new Shape(10));
        Assert.Contains("[10]", Assert.Throws<ArgumentException>(() => backend.Sample(flat, new(), null, 1, 0)).Message);
        using var empty = Tensor.Zeros(backend, new Shape(2, 0));
        Assert.Contains("[2, 0]", Assert.Throws<ArgumentException>(() => backend.ApplyWarpers(empty, new())).Message);
    }
}
