using LlmLab.Tests.Infrastructure;
using LlmLab.Tokenizers;
using LlmLab.Training;

namespace LlmLab.Tests.Training;

/// <summary>
/// The masked-LM rule (docs/references.md, transformers' DataCollatorForLanguageModeling): 15% of ordinary positions
/// chosen, of those 80% [MASK], 10% a random token, 10% unchanged; targets only there; padding masked out. The
/// fractions are checked on one large batch (about 12,000 positions, so 15% has a standard error of 0.3%): within
/// 1.5 points for the chosen share and 4 points for the 80/10/10 split (the draws are fixed by the seed, so the
/// test is deterministic; the tolerances are about four standard errors).
/// </summary>
public class MaskedLmBatchesTests
{
    private const int Vocabulary = 1000, Pad = 0, Cls = 1, Sep = 2, Mask = 3;

    private static int[][] Sequences(int count, int seed)
    {
        var random = new System.Random(seed);
        return Enumerable.Range(0, count)
            .Select(_ => new[] { Cls }.Concat(Enumerable.Range(0, random.Next(10, 120)).Select(_ => random.Next(4, Vocabulary))).Append(Sep).ToArray())
            .ToArray();
    }

    private static MaskedLmBatches Source(int[][] sequences, int batchSize = 8, ulong seed = 7, string stream = "train") =>
        new(sequences, Vocabulary, Mask, Pad, [Cls, Sep], maxLength: 128, batchSize, seed, stream);

    [Fact]
    public void Chosen_positions_follow_the_15_80_10_10_rule()
    {
        var sequences = Sequences(300, 1);
        var source = Source(sequences, batchSize: 192);
        using var batch = source.Batch(TestBackends.Get("cpu"), 3);
        var (inputs, targets, mask) = (batch.Inputs.ToArray<int>(), batch.Targets.ToArray<long>(), batch.AttentionMask!.ToArray<int>());
        int time = batch.Inputs.Shape[1];
        var rows = source.Rows(3);
        int ordinary = 0, chosen = 0, masked = 0, random = 0, unchanged = 0;
        for (int r = 0; r < rows.Length; r++)
        {
            var sequence = sequences[rows[r]];
            for (int t = 0; t < time; t++)
            {
                int at = r * time + t;
                if (t >= sequence.Length)
                {
                    Assert.Equal((Pad, -100L, 0), (inputs[at], targets[at], mask[at]));
                    continue;
                }
                Assert.Equal(1, mask[at]);
                int original = sequence[t];
                if (original is Cls or Sep)
                {
                    Assert.Equal((original, -100L), (inputs[at], targets[at]));   // special tokens are never chosen
                    continue;
                }
                ordinary++;
                if (targets[at] == -100)
                {
                    Assert.Equal(original, inputs[at]);                          // not chosen: untouched
                    continue;
                }
                Assert.Equal(original, targets[at]);
                chosen++;
                if (inputs[at] == Mask) masked++;
                else if (inputs[at] == original) unchanged++;
                else random++;
            }
        }
        Assert.True(ordinary > 10_000, $"only {ordinary} ordinary positions");
        Assert.InRange((double)chosen / ordinary, 0.135, 0.165);
        Assert.InRange((double)masked / chosen, 0.76, 0.84);
        Assert.InRange((double)random / chosen, 0.06, 0.14);
        Assert.InRange((double)unchanged / chosen, 0.06, 0.14);
        Assert.Equal(rows.Sum(r => sequences[r].Length), batch.Tokens);
    }

    [Fact]
    public void A_batch_is_a_pure_function_of_seed_and_index()
    {
        var sequences = Sequences(50, 2);
        var backend = TestBackends.Get("cpu");
        using var a = Source(sequences).Batch(backend, 11);
        var again = Source(sequences);
        using var unrelated = again.Batch(backend, 4);   // drawing other batches first changes nothing
        using var b = again.Batch(backend, 11);
        Assert.Equal(a.Inputs.ToArray<int>(), b.Inputs.ToArray<int>());
        Assert.Equal(a.Targets.ToArray<long>(), b.Targets.ToArray<long>());
        Assert.Equal(a.AttentionMask!.ToArray<int>(), b.AttentionMask!.ToArray<int>());
        using var next = again.Batch(backend, 12);
        using var otherSeed = Source(sequences, seed: 8).Batch(backend, 11);
        using var otherStream = Source(sequences, stream: "validation").Batch(backend, 11);
        Assert.NotEqual(a.Targets.ToArray<long>(), next.Targets.ToArray<long>());
        Assert.NotEqual(a.Targets.ToArray<long>(), otherSeed.Targets.ToArray<long>());
        Assert.NotEqual(a.Targets.ToArray<long>(), otherStream.Targets.ToArray<long>());
    }

    [Fact]
    public void Long_sequences_are_cut_and_short_batches_padded_to_their_longest_row()
    {
        int[][] sequences = [[Cls, .. Enumerable.Range(4, 300), Sep], [Cls, 5, 6, Sep]];
        var source = new MaskedLmBatches(sequences, Vocabulary, Mask, Pad, [Cls, Sep], maxLength: 16, batchSize: 4, seed: 1);
        for (long i = 0; i < 5; i++)
        {
            using var batch = source.Batch(TestBackends.Get("cpu"), i);
            var rows = source.Rows(i);
            int expected = rows.Max(r => Math.Min(16, sequences[r].Length));
            Assert.Equal(expected, batch.Inputs.Shape[1]);
            Assert.Equal(rows.Sum(r => Math.Min(16, sequences[r].Length)), batch.AttentionMask!.ToArray<int>().Sum());
        }
    }

    [Fact]
    public void A_tokenizers_special_tokens_are_never_chosen()
    {
        var tokenizer = CharTokenizer.Build("abcdefghij");
        var special = tokenizer.SpecialTokens;
        int bos = special.Bos!.Value, eos = special.Eos!.Value, unk = special.Unk!.Value;
        int[][] sequences = [.. Enumerable.Range(0, 20).Select(i => new[] { bos, i % 10, unk, (i + 3) % 10, unk, eos })];
        var source = new MaskedLmBatches(sequences, special, maxLength: 8, batchSize: 64, seed: 5, maskProbability: 1f);
        using var batch = source.Batch(TestBackends.Get("cpu"), 0);
        var targets = batch.Targets.ToArray<long>();
        for (int r = 0; r < 64; r++)
        {
            // With probability 1 every ordinary position is chosen and no special one is.
            Assert.Equal(new long[] { -100, sequences[source.Rows(0)[r]][1], -100, sequences[source.Rows(0)[r]][3], -100, -100 }, targets[(r * 6)..(r * 6 + 6)]);
        }
    }

    [Fact]
    public void Bad_settings_are_refused_by_name()
    {
        var sequences = Sequences(3, 3);
        Assert.Contains("outside the vocabulary of 1000", Assert.Throws<ArgumentException>(() =>
            new MaskedLmBatches([[1, 2, 1000]], Vocabulary, Mask, Pad, [], 8, 2, 1)).Message);
        Assert.Contains("special token 5000", Assert.Throws<ArgumentException>(() =>
            new MaskedLmBatches(sequences, Vocabulary, Mask, Pad, [5000], 8, 2, 1)).Message);
        Assert.Contains("mask probability", Assert.Throws<ArgumentException>(() =>
            new MaskedLmBatches(sequences, Vocabulary, Mask, Pad, [], 8, 2, 1, maskProbability: 0)).Message);
        Assert.Contains("MASK token", Assert.Throws<ArgumentException>(() =>
            new MaskedLmBatches(sequences, new SpecialTokens(1000, 1, 2, 0, null, null, 0), 8, 2, 1)).Message);
    }
}
