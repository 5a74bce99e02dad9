using LlmLab.Random;

namespace LlmLab.Tests.Random;

/// <summary>Philox4x32-10 against Random123's known-answer vectors (kat_vectors), word for word.</summary>
public class PhiloxTests
{
    [Theory]
    [InlineData(0u, 0u, 0u, 0u, 0u, 0u, 0x6627e8d5u, 0xe169c58du, 0xbc57ac4cu, 0x9b00dbd8u)]
    [InlineData(0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu, 0x408f276du, 0x41c83b0eu, 0xa20bc7c6u, 0x6d5451fdu)]
    [InlineData(0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u, 0xa4093822u, 0x299f31d0u, 0xd16cfe09u, 0x94fdccebu, 0x5001e420u, 0x24126ea1u)]
    public void Block_matches_the_Random123_known_answers(uint c0, uint c1, uint c2, uint c3, uint k0, uint k1,
        uint e0, uint e1, uint e2, uint e3)
    {
        Philox.Block(ref c0, ref c1, ref c2, ref c3, k0, k1);
        Assert.Equal([e0, e1, e2, e3], new[] { c0, c1, c2, c3 });
    }

    [Fact]
    public void Uniform_takes_the_top_24_bits_of_the_first_word_of_block_seed_counter()
    {
        ulong seed = 0x299f31d0_a4093822UL, a = 0x85a308d3_243f6a88UL;
        float u = Philox.Uniform(seed, a, 0x13198a2e, 0x03707344);
        Assert.Equal((0xd16cfe09u >> 8) / 16777216f, u);
    }

    [Fact]
    public void Uniform_stays_in_the_unit_interval_and_looks_uniform()
    {
        const int n = 100_000;
        var buckets = new int[10];
        for (uint i = 0; i < n; i++)
        {
            float u = Philox.Uniform(42, 7, i, 0);
            Assert.InRange(u, 0f, 1f - 1f / 16777216f);
            buckets[(int)(u * 10)]++;
        }
        // Each bucket: mean 10,000, standard deviation 95; 5 sigma.
        Assert.All(buckets, c => Assert.InRange(c, 10_000 - 475, 10_000 + 475));
    }
}
