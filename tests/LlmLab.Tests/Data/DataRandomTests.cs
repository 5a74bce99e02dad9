using LlmLab.Data;
using LlmLab.Random;

namespace LlmLab.Tests.Data;

public class DataRandomTests
{
    [Fact]
    public void Draw_n_is_the_Philox_block_of_seed_and_counter_example_n_stream()
    {
        ulong seed = 0x1234_5678_9abc_def0UL, example = 0x0000_0002_0000_0001UL;
        var r = new DataRandom(seed, example, 3);
        r.NextUInt();
        uint c0 = 1, c1 = 2, c2 = 1, c3 = 3;
        Philox.Block(ref c0, ref c1, ref c2, ref c3, 0x9abc_def0u, 0x1234_5678u);
        Assert.Equal(c0, r.NextUInt());
    }

    [Fact]
    public void Streams_and_examples_give_different_draws()
    {
        uint a = new DataRandom(1, 0, DataRandom.DialogueStream).NextUInt();
        uint b = new DataRandom(1, 0, DataRandom.ReviewStream).NextUInt();
        uint c = new DataRandom(1, 1, DataRandom.DialogueStream).NextUInt();
        Assert.NotEqual(a, b);
        Assert.NotEqual(a, c);
    }

    [Fact]
    public void Next_stays_in_range_and_hits_every_value()
    {
        var r = new DataRandom(9, 0, 0);
        var counts = new int[7];
        for (int i = 0; i < 7000; i++) counts[r.Next(7)]++;
        // Mean 1000, standard deviation 30; 5 sigma.
        Assert.All(counts, c => Assert.InRange(c, 850, 1150));
        Assert.Throws<ArgumentOutOfRangeException>(() => r.Next(0));
    }

    [Fact]
    public void PickDistinct_returns_distinct_items()
    {
        var r = new DataRandom(3, 4, 5);
        for (int i = 0; i < 100; i++) Assert.Equal(3, r.PickDistinct(DialogueVocabulary.Days, 3).Distinct().Count());
    }

    [Fact]
    public void Neighbouring_examples_are_uncorrelated()
    {
        // Lag-1 agreement of a 10-way choice: expected 2000 of 20,000, standard deviation 42.4; 5 sigma.
        foreach (uint stream in new[] { DataRandom.DialogueStream, DataRandom.ReviewStream, DataRandom.PretrainingStream })
        {
            int agree = 0;
            for (ulong i = 0; i < 20_000; i++)
                if (new DataRandom(42, i, stream).Next(10) == new DataRandom(42, i + 1, stream).Next(10)) agree++;
            Assert.InRange(agree, 2000 - 212, 2000 + 212);
        }
    }
}
