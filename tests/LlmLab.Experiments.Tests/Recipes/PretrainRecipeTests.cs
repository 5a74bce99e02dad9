using LlmLab.Backends;
using LlmLab.Tokenizers;

namespace LlmLab.Experiments.Tests;

/// <summary>
/// The pretrain recipe with a BPE tokenizer (a few steps of a tiny model): the vocabulary learned from the training
/// documents, the model folder that loads back with it, the losses beside a bigram model; and the bigram baseline and
/// corpus words on their own.
/// </summary>
public sealed class PretrainRecipeTests : IDisposable
{
    private static readonly IBackend Cpu = Backend.Create("cpu");
    private readonly HostHarness _host = new();

    public void Dispose() => _host.Dispose();

    private static readonly PretrainConfig Tiny = new()
    {
        Tokenizer = TokenizerKind.Bpe, VocabularySize = 400, Layers = 1, Heads = 2, Width = 16, Context = 32, BatchSize = 2, Steps = 3,
        WarmupSteps = 1, Documents = 60, EvaluationInterval = 0, EvaluationBatches = 2,
    };

    [Fact]
    public void A_bpe_run_saves_a_model_that_loads_back_with_its_tokenizer()
    {
        var context = new ExperimentContext("pretrain", 3, Cpu, Path.Combine(_host.Root, "bpe"), default);
        var model = PretrainRecipe.Pretrain(Tiny, context);

        Assert.Equal(400, model.Tokenizer.VocabularySize);
        Assert.Equal([model.Tokenizer.Encode("#Person1#").Single()], model.Tokenizer.Encode("#Person1#"));
        var loaded = TinyGpt.Load(Cpu, Path.Combine(_host.Root, "bpe", "model"));
        Assert.Equal(HfTokenizer.BpeKind, loaded.Tokenizer.Name);
        string text = "#Person1#: I'd like to book a table for two.";
        Assert.Equal(model.Tokenizer.Encode(text), loaded.Tokenizer.Encode(text));

        var results = RunResults.Load(Path.Combine(_host.Root, "bpe", "results.json"));
        var losses = Assert.Single(results.Tables, t => t.Title == "pretrain: losses");
        Assert.Equal(["", "train (nats/token)", "validation (nats/token)", "validation (nats/char)"], losses.Columns);
        Assert.Equal(["untrained", "trained", "bigram model (counts)"], losses.Rows.Select(r => r[0].Text));
        Assert.Equal(Math.Log(400), losses.Rows[0][1].Number, 12);
        Assert.Contains("a bigram model of the same BPE tokens", losses.Sentence);
        var summary = results.Summaries.ToDictionary(s => s.Key, s => s.Value.Number);
        Assert.Equal(losses.Rows[2][2].Number, summary["pretrain bigram loss"]);
        Assert.Equal(losses.Rows[1][2].Number, summary["pretrain validation loss"], 6);
    }

    [Fact]
    public void A_bigram_model_knows_pairs_and_nothing_more()
    {
        // A strict alternation is all pairs: nearly free. Uniform noise over 8 tokens costs about ln 8.
        int[] alternating = [.. Enumerable.Range(0, 2000).Select(i => i % 2)];
        Assert.InRange(BigramBaseline.CrossEntropy(alternating, alternating, 8), 0, 0.01);
        var random = new System.Random(1);
        int[] noise = [.. Enumerable.Range(0, 20_000).Select(_ => random.Next(8))];
        int[] other = [.. Enumerable.Range(0, 5_000).Select(_ => random.Next(8))];
        Assert.InRange(BigramBaseline.CrossEntropy(noise, other, 8), Math.Log(8) - 0.01, Math.Log(8) + 0.02);
    }

    [Fact]
    public void Corpus_words_tell_real_words_from_invented_ones()
    {
        var words = CorpusWords.Of(1);
        Assert.True(words.Distinct > 500, $"{words.Distinct} distinct words");
        Assert.Equal((6, 8), words.Count(["#Person1# books a TABLE at Luigi's", "toure athe 42 !"]));
    }
}
