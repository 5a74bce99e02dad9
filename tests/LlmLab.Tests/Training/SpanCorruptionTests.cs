using LlmLab.Tests.Infrastructure;
using LlmLab.Training;

namespace LlmLab.Tests.Training;

/// <summary>T5's span corruption: docs/references.md's vector, the noise-length rules, random masks and the batches.</summary>
public class SpanCorruptionTests
{
    [Fact]
    public void The_reference_vector()
    {
        var (inputs, targets) = SpanCorruption.Corrupt([10, 11, 12, 13, 14, 15], [true, true, false, false, true, false], 1000);
        Assert.Equal([999, 12, 13, 998, 15], inputs);
        Assert.Equal([10, 11, 999, 14, 998], targets);
    }

    // n = clamp(round(len x 0.15), 1, len - 1), spans = max(round(n / 3), 1), Python's round (half to even):
    // 10 x 0.15 = 1.5 rounds to 2, 30 x 0.15 = 4.5 to 4, 50 x 0.15 = 7.5 to 8.
    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(2, 1, 1)]
    [InlineData(3, 1, 1)]
    [InlineData(10, 2, 1)]
    [InlineData(20, 3, 1)]
    [InlineData(30, 4, 1)]
    [InlineData(50, 8, 3)]
    [InlineData(100, 15, 5)]
    [InlineData(512, 77, 26)]
    public void Noise_lengths(int length, int noise, int spans) =>
        Assert.Equal((noise, spans), SpanCorruption.NoiseLengths(length));

    [Fact]
    public void Random_masks_have_the_noise_count_and_spans_and_start_with_kept_tokens()
    {
        var random = new System.Random(11);
        foreach (int length in new[] { 2, 5, 10, 17, 50, 64, 100, 333 })
            for (int trial = 0; trial < 20; trial++)
            {
                var mask = SpanCorruption.RandomNoiseMask(length, random.Next);
                var (noise, spans) = SpanCorruption.NoiseLengths(length);
                Assert.Equal(length, mask.Length);
                Assert.Equal(noise, mask.Count(m => m));
                Assert.Equal(spans, Enumerable.Range(0, length).Count(i => mask[i] && (i == 0 || !mask[i - 1])));
                Assert.False(mask[0]);
                Assert.True(mask[^1]);   // interleaved kept, noise, ..., noise
            }
        Assert.Equal([false], SpanCorruption.RandomNoiseMask(1, random.Next));
    }

    [Fact]
    public void Random_segmentation_cuts_every_item_into_non_empty_segments()
    {
        var random = new System.Random(3);
        for (int trial = 0; trial < 50; trial++)
        {
            int items = random.Next(1, 40), segments = random.Next(1, items + 1);
            var lengths = SpanCorruption.RandomSegmentation(items, segments, random.Next);
            Assert.Equal(segments, lengths.Length);
            Assert.Equal(items, lengths.Sum());
            Assert.All(lengths, l => Assert.True(l >= 1));
        }
        Assert.Throws<ArgumentException>(() => SpanCorruption.RandomSegmentation(3, 4, random.Next));
    }

    [Fact]
    public void Batches_are_a_function_of_seed_and_index_and_hold_the_window()
    {
        var backend = TestBackends.Get("cpu");
        var random = new System.Random(5);
        var documents = Enumerable.Range(0, 12).Select(d => Enumerable.Range(0, random.Next(3, 60)).Select(_ => random.Next(2, 80)).ToArray()).ToArray();
        const int vocabulary = 100, pad = 0, start = 0, eos = 1, maxLength = 40, batchSize = 6;
        var source = new SpanCorruptionBatches(documents, maxLength, batchSize, vocabulary, pad, start, eos, seed: 9);
        var again = new SpanCorruptionBatches(documents, maxLength, batchSize, vocabulary, pad, start, eos, seed: 9);

        using var batch = source.Batch(backend, 3);
        using var same = again.Batch(backend, 3);
        using var other = source.Batch(backend, 4);
        Assert.Equal(batch.Inputs.ToArray<int>(), same.Inputs.ToArray<int>());
        Assert.Equal(batch.Targets.ToArray<long>(), same.Targets.ToArray<long>());
        Assert.NotEqual(batch.Inputs.ToArray<int>(), other.Inputs.ToArray<int>());

        int sourceTime = batch.Inputs.Shape[1], targetTime = batch.DecoderInputs!.Shape[1];
        var inputs = batch.Inputs.ToArray<int>();
        var mask = batch.AttentionMask!.ToArray<int>();
        var targets = batch.Targets.ToArray<long>();
        var decoderInputs = batch.DecoderInputs.ToArray<int>();
        Assert.Equal(batchSize * targetTime, targets.Length);
        for (int r = 0; r < batchSize; r++)
        {
            var (x, y) = source.Example(3, r);
            Assert.Equal(eos, x[^1]);
            Assert.Equal(eos, y[^1]);
            for (int t = 0; t < sourceTime; t++)
            {
                Assert.Equal(t < x.Length ? x[t] : pad, inputs[r * sourceTime + t]);
                Assert.Equal(t < x.Length ? 1 : 0, mask[r * sourceTime + t]);
            }
            for (int t = 0; t < targetTime; t++)
            {
                Assert.Equal(t < y.Length ? y[t] : -100, targets[r * targetTime + t]);
                Assert.Equal(t == 0 ? start : t < y.Length ? y[t - 1] : pad, decoderInputs[r * targetTime + t]);
            }
            // Kept runs (inputs) and noise runs (targets), split at their sentinels and interleaved, are a window of
            // one of the documents.
            var window = Interleave(x[..^1], y[..^1], vocabulary);
            Assert.InRange(window.Length, 2, maxLength);
            Assert.Contains(documents, d => Enumerable.Range(0, Math.Max(0, d.Length - window.Length + 1)).Any(o => d.AsSpan(o, window.Length).SequenceEqual(window)));
        }
    }

    private static int[] Interleave(int[] inputs, int[] targets, int vocabulary)
    {
        static List<List<int>> Runs(int[] ids, int vocabulary)
        {
            var runs = new List<List<int>> { new() };
            foreach (int id in ids)
                if (id >= vocabulary - 20) runs.Add([]);
                else runs[^1].Add(id);
            return runs;
        }
        var kept = Runs(inputs, vocabulary);      // kept_1, then one run after each sentinel
        var noise = Runs(targets, vocabulary);    // empty (targets start with a sentinel), then noise runs
        Assert.Empty(noise[0]);
        var result = new List<int>();
        for (int s = 0; s < kept.Count; s++)
        {
            result.AddRange(kept[s]);
            if (s + 1 < noise.Count) result.AddRange(noise[s + 1]);
        }
        return result.ToArray();
    }
}
