using LlmLab.Tests.Infrastructure;
using LlmLab.Training;

namespace LlmLab.Tests.Training;

public class Seq2SeqBatchesTests
{
    private const int Pad = 0, Start = 0, Eos = 1;

    private static readonly (int[], int[])[] Pairs =
        [([5, 6, 7], [8]), ([9], [10, 11, 12, 13]), ([14, 15], [16, 17]), ([18, 19, 20, 21, 22], [23, 24, 25])];

    [Fact]
    public void A_batch_pads_sources_and_targets_and_shifts_the_decoder_inputs()
    {
        var backend = TestBackends.Get("cpu");
        var source = new Seq2SeqBatches(Pairs, batchSize: 4, Pad, Start, Eos, seed: 3);
        var rows = source.Rows(0);
        Assert.Equal([0, 1, 2, 3], rows.Order());   // one epoch holds every pair once

        using var batch = source.Batch(backend, 0);
        Assert.Equal([4, 6], batch.Inputs.Shape.ToArray());   // the longest source, 5 tokens, and EOS
        Assert.Equal([4, 5], batch.DecoderInputs!.Shape.ToArray());
        int[] inputs = batch.Inputs.ToArray<int>(), mask = batch.AttentionMask!.ToArray<int>(), decoder = batch.DecoderInputs.ToArray<int>();
        long[] targets = batch.Targets.ToArray<long>();
        int tokens = 0;
        for (int r = 0; r < 4; r++)
        {
            var (x, y) = Pairs[rows[r]];
            int[] fullX = [.. x, Eos], fullY = [.. y, Eos];
            for (int t = 0; t < 6; t++)
            {
                Assert.Equal(t < fullX.Length ? fullX[t] : Pad, inputs[r * 6 + t]);
                Assert.Equal(t < fullX.Length ? 1 : 0, mask[r * 6 + t]);
            }
            for (int t = 0; t < 5; t++)
            {
                Assert.Equal(t < fullY.Length ? fullY[t] : Seq2SeqBatches.IgnoreIndex, targets[r * 5 + t]);
                Assert.Equal(t == 0 ? Start : t < fullY.Length ? fullY[t - 1] : Pad, decoder[r * 5 + t]);
            }
            tokens += fullX.Length + fullY.Length;
        }
        Assert.Equal(tokens, batch.Tokens);
    }

    [Fact]
    public void Batches_are_a_function_of_seed_and_index_and_every_epoch_holds_every_pair()
    {
        var source = new Seq2SeqBatches(Pairs, batchSize: 2, Pad, Start, eosId: null, seed: 3);
        var again = new Seq2SeqBatches(Pairs, batchSize: 2, Pad, Start, eosId: null, seed: 3);
        var other = new Seq2SeqBatches(Pairs, batchSize: 2, Pad, Start, eosId: null, seed: 4);
        for (long i = 0; i < 6; i++) Assert.Equal(source.Rows(i), again.Rows(i));
        for (long epoch = 0; epoch < 3; epoch++)
            Assert.Equal([0, 1, 2, 3], source.Rows(2 * epoch).Concat(source.Rows(2 * epoch + 1)).Order());
        Assert.NotEqual(Enumerable.Range(0, 6).SelectMany(i => source.Rows(i)), Enumerable.Range(0, 6).SelectMany(i => other.Rows(i)));

        using var batch = source.Batch(TestBackends.Get("cpu"), 5);
        Assert.DoesNotContain(Eos, batch.Inputs.ToArray<int>());   // no EOS asked for, none added
    }

    [Fact]
    public void Empty_sources_or_targets_are_refused()
    {
        var e = Assert.Throws<ArgumentException>(() => new Seq2SeqBatches([([1], [])], 1, Pad, Start, Eos, seed: 1));
        Assert.Contains("at least one token", e.Message);
    }
}
