using LlmLab.Autograd;
using LlmLab.Backends;
using LlmLab.Data;
using LlmLab.Models;
using LlmLab.Tensors;
using LlmLab.Tokenizers;
using LlmLab.Training;

namespace LlmLab.Experiments.Tests;

/// <summary>
/// The parts of the pretraining-objectives recipe on small untrained models: the families' sizes and FLOPs, and the
/// continuation and cloze scorers against the models' own losses and single-row forward passes.
/// </summary>
public sealed class PretrainingObjectivesTests : IDisposable
{
    private static readonly PretrainingObjectivesConfig Config = new() { VocabularySize = 500, Context = 32, Layers = 2, Width = 32, Heads = 4, BatchSize = 3 };

    private readonly string _folder = Path.Combine(Path.GetTempPath(), "llmlab-objectives-" + Guid.NewGuid().ToString("N"));
    private readonly IBackend _backend = Backend.Create("cpu");
    private readonly ITokenizer _tokenizer;
    private readonly int[] _tokens;

    public PretrainingObjectivesTests()
    {
        string text = PretrainRecipe.Corpus(seed: 3, count: 150, start: 0, labelledShare: 0);
        _tokenizer = CorpusTokenizer.Build(TokenizerKind.Bpe, Config.VocabularySize, text, _folder, sentinels: 4);
        _tokens = _tokenizer.Encode(text);
    }

    public void Dispose()
    {
        _backend.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    private ObjectiveFamily[] Families() =>
    [
        ObjectiveFamily.CausalLm(_backend, Config, _tokenizer, _tokens, _tokens, seed: 5),
        ObjectiveFamily.MaskedLm(_backend, Config, _tokenizer, _tokens, _tokens, seed: 5),
        ObjectiveFamily.SpanCorruption(_backend, Config, _tokenizer, _tokens, _tokens, seed: 5),
    ];

    [Fact]
    public void The_families_match_in_size_and_a_step_costs_six_flops_per_weight_and_token()
    {
        var (gpt, bert, t5) = Families() switch { var f => (f[0], f[1], f[2]) };
        int width = Config.Width, vocabulary = _tokenizer.VocabularySize, tokens = Config.BatchSize * Config.Context;
        // Per block: q, k, v, o (4 w² + 4 w), the MLP (8 w² + 5 w) and two layer norms (4 w); then the final norm (2 w).
        long gptBlocks = Config.Layers * (12L * width * width + 13 * width) + 2 * width;
        Assert.Equal(gptBlocks, gpt.NonEmbeddingParameters);
        Assert.Equal(6.0 * (gptBlocks + (long)width * vocabulary) * tokens, gpt.FlopsPerStep);
        // BERT's blocks are the GPT's; its MLM head adds a transform (w² + w) and its norm (2 w), and the output bias.
        Assert.Equal(gptBlocks - 2 * width + width * width + 3 * width + vocabulary, bert.NonEmbeddingParameters);
        // The T5's two stacks (no biases, RMS norms, a feed-forward of 3 w) hold what the GPT's one does, give or take
        // the biases, norms and relative position tables.
        Assert.InRange(t5.NonEmbeddingParameters / (double)gpt.NonEmbeddingParameters, 0.95, 1.05);

        // The T5's FLOPs count the tokens its batches really hold in each stack.
        using var batch = t5.Train.Batch(_backend, 0);
        int inputs = batch.AttentionMask!.ToArray<int>().Sum(), targets = batch.Targets.ToArray<long>().Count(t => t != -100);
        var t5Model = (T5)t5.Model;
        double expected = 6.0 * (t5Model.Encoder.ParameterCount() * (double)inputs + (t5Model.Decoder.ParameterCount() + (long)width * vocabulary) * targets);
        Assert.Equal(expected, t5.FlopsPerStep, 6);
        Assert.True(t5.FlopsPerStep < 0.6 * gpt.FlopsPerStep, "each token of a T5 window passes through one stack only");
    }

    [Fact]
    public void Continuation_scores_are_the_models_own_losses_on_the_second_half()
    {
        var families = Families();
        var (gpt, t5) = ((Gpt)families[0].Model, (T5)families[2].Model);
        int length = Config.Context, prompt = length / 2, windows = 5;
        var special = _tokenizer.SpecialTokens;
        double[] gptScores = ContinuationTest.Gpt(gpt, _tokens, length, windows, batch: 2, CancellationToken.None);
        double[] t5Scores = ContinuationTest.T5(t5, special, _tokens, length, windows, batch: 2, CancellationToken.None);
        Assert.Equal(windows, gptScores.Length);

        int eos = special.Eos!.Value, sentinel = special.Sentinel(0), start = special.Pad!.Value;
        for (int w = 0; w < windows; w++)
        {
            int[] window = _tokens[(w * length)..((w + 1) * length)];
            // The GPT's loss on the window with the prompt's targets ignored.
            long[] targets = [.. Enumerable.Range(1, length - 1).Select(t => t >= prompt ? (long)window[t] : -100L)];
            Assert.Equal(Loss(tape => gpt.Loss(tape, Ids(window[..^1]), Tensor.From(_backend, targets, length - 1))), gptScores[w], 4);

            // The T5's loss with the prompt and sentinel 0 in the encoder and the continuation after the sentinel,
            // laid out as a fine-tuning batch is; the sentinel it writes first is not scored.
            using var pair = Seq2SeqBatches.Pack(_backend, [([.. window[..prompt], sentinel, eos], [sentinel, .. window[prompt..]])], start, start);
            long[] t5Targets = [-100L, .. window[prompt..].Select(t => (long)t)];
            Assert.Equal(Loss(tape => t5.Loss(tape, pair.Inputs, pair.AttentionMask, pair.DecoderInputs!, Tensor.From(_backend, t5Targets, t5Targets.Length))), t5Scores[w], 4);
        }
    }

    [Fact]
    public void Cloze_items_are_whole_words_and_each_family_is_scored_on_its_own_reading_of_them()
    {
        int half = Config.Context / 2;
        int[] items = ClozeTest.Items(_tokenizer, _tokens, half, count: 7);
        Assert.Equal(7, items.Length);
        Assert.Equal(items.Order(), items);
        foreach (int p in items)
        {
            Assert.Matches("^ [A-Za-z]{3,}$", _tokenizer.Decode([_tokens[p]]));
            Assert.False(char.IsLetter(_tokenizer.Decode([_tokens[p + 1]])[0]), "the word goes on in the next token");
            Assert.InRange(p, half, _tokens.Length - half);
        }

        // The baseline names the whole-word token seen most often: " the" in English text.
        Assert.Equal(" the", _tokenizer.Decode([ClozeTest.MostFrequentWord(_tokenizer, _tokens)]));

        var families = Families();
        var (gpt, bert, t5) = ((Gpt)families[0].Model, (Bert)families[1].Model, (T5)families[2].Model);
        var special = _tokenizer.SpecialTokens;
        int[] gptPredicted = ClozeTest.Gpt(gpt, special, _tokens, items, half, batch: 3, CancellationToken.None);
        int[] bertPredicted = ClozeTest.Bert(bert, special, _tokens, items, half, batch: 3, CancellationToken.None);
        int[] t5Predicted = ClozeTest.T5(t5, special, _tokens, items, half, batch: 3, CancellationToken.None);
        int sentinel = special.Sentinel(0), start = special.Pad!.Value;
        for (int i = 0; i < items.Length; i++)
        {
            int p = items[i];
            int[] hidden(int token) => [.. _tokens[(p - half)..p], token, .. _tokens[(p + 1)..(p + half)]];
            Assert.Equal(Top(Logits(tape => gpt.Forward(tape, Ids(_tokens[(p - half)..p]))), half - 1), gptPredicted[i]);
            Assert.Equal(Top(Logits(tape => bert.Forward(tape, Ids(hidden(special.Mask!.Value)))), half), bertPredicted[i]);
            Assert.Equal(Top(Logits(tape => t5.Forward(tape, Ids([.. hidden(sentinel), special.Eos!.Value]), null, Ids([start, sentinel]))), 1), t5Predicted[i]);
        }
        // Untrained, the families disagree; accuracy counts the predictions that are the word.
        Assert.NotEqual(gptPredicted, bertPredicted);
        int[] answers = [.. items.Select(p => _tokens[p])];
        Assert.Equal([1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0], ClozeTest.Accuracy(_tokens, items, [answers[0], .. answers[1..].Select(a => a + 1)]));
    }

    private Tensor Ids(int[] ids) => Tensor.From(_backend, ids, 1, ids.Length);

    private double Loss(Func<Tape, Variable> loss)
    {
        using var tape = new Tape(_backend, recordGradients: false);
        return loss(tape).Data.ToArray<float>()[0];
    }

    private float[] Logits(Func<Tape, Variable> forward)
    {
        using var tape = new Tape(_backend, recordGradients: false);
        return forward(tape).Data.ToArray<float>();
    }

    // The ordinary token with the highest logit at a position of a single row.
    private int Top(float[] logits, int position)
    {
        int vocabulary = _tokenizer.VocabularySize;
        var row = logits.AsSpan(position * vocabulary, vocabulary);
        int best = -1;
        for (int id = 0; id < vocabulary; id++)
            if (!_tokenizer.SpecialTokens.IsSpecial(id) && (best < 0 || row[id] > row[best])) best = id;
        return best;
    }
}
