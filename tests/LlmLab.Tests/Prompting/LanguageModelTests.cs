using LlmLab.Autograd;
using LlmLab.Backends;
using LlmLab.Generation;
using LlmLab.Models;
using LlmLab.Models.HuggingFace;
using LlmLab.Prompting;
using LlmLab.Tensors;
using LlmLab.Tests.Infrastructure;
using LlmLab.Tokenizers;

namespace LlmLab.Tests.Prompting;

/// <summary>
/// The language models' log-likelihoods against a plain forward pass of the same tokens (log-softmax by hand, in
/// float64), for a small random GPT and the Hugging Face GPT-2, Llama and T5 fixtures; left truncation; the
/// context/continuation split; greedy generation and its stops.
/// </summary>
public class LanguageModelTests
{
    private const double Tolerance = 1e-4;

    private static readonly CharTokenizer Characters = CharTokenizer.Build("abcdefghijklmnopqrstuvwxyz ?:.\n");

    private static IBackend Cpu => TestBackends.Get("cpu");

    private static Gpt SmallGpt(int context = 24) =>
        new(Cpu, new GptConfig { VocabularySize = 40, Context = context, Layers = 2, Heads = 2, Width = 16 }, seed: 7);

    private static int[] Tokens(int seed, int count, int vocabulary)
    {
        var random = new System.Random(seed);
        return [.. Enumerable.Range(0, count).Select(_ => random.Next(vocabulary))];
    }

    /// <summary>Σ log-softmax(logits[t])[token] over the continuation, from one forward pass of context + continuation.</summary>
    private static (double Sum, bool Greedy) ByHand(float[] logits, int vocabulary, int firstRow, int[] continuation)
    {
        double sum = 0;
        bool greedy = true;
        for (int j = 0; j < continuation.Length; j++)
        {
            var row = logits.AsSpan((firstRow + j) * vocabulary, vocabulary);
            double logSumExp = Math.Log(row.ToArray().Sum(x => Math.Exp(x)));
            sum += row[continuation[j]] - logSumExp;
            int best = 0;
            for (int v = 1; v < vocabulary; v++) if (row[v] > row[best]) best = v;
            greedy &= best == continuation[j];
        }
        return (sum, greedy);
    }

    private static float[] GptLogits(Gpt gpt, int[] ids)
    {
        using var input = Tensor.From(Cpu, ids, 1, ids.Length);
        using var tape = new Tape(Cpu, recordGradients: false);
        return gpt.Forward(tape, input).Data.ToArray<float>();
    }

    private static void AssertDecoderAgrees(Gpt gpt, ITokenizer tokenizer, int[] context, int[] continuation)
    {
        var model = new DecoderLanguageModel(gpt, tokenizer, "test");
        var score = model.LogLikelihood(context, continuation);
        int[] all = [.. context, .. continuation];
        var (expected, greedy) = ByHand(GptLogits(gpt, all[..^1]), gpt.Config.VocabularySize, context.Length - 1, continuation);
        Assert.InRange(score.LogLikelihood, expected - Tolerance, expected + Tolerance);
        Assert.Equal(greedy, score.IsGreedy);
        Assert.Equal(continuation.Length, score.Tokens);
        Assert.Equal(0, score.TruncatedContextTokens);
    }

    [Fact]
    public void A_small_gpts_log_likelihood_is_that_of_a_plain_forward_pass()
    {
        var gpt = SmallGpt();
        AssertDecoderAgrees(gpt, Characters, Tokens(1, 9, 40), Tokens(2, 4, 40));
        AssertDecoderAgrees(gpt, Characters, Tokens(3, 1, 40), Tokens(4, 1, 40));
    }

    [Fact]
    public void A_continuation_that_greedy_decoding_produces_is_greedy()
    {
        var gpt = SmallGpt();
        int[] context = Tokens(5, 6, 40);
        var model = new DecoderLanguageModel(gpt, Characters, "test", eosTokenIds: []);
        int[] greedy = model.GenerateGreedy(context, 5).Tokens;
        Assert.Equal(Generator.Generate(gpt, [context], new GenerationOptions { MaxNewTokens = 5 })[0], greedy);
        Assert.True(model.LogLikelihood(context, greedy).IsGreedy);
        int[] other = [.. greedy[..^1], (greedy[^1] + 1) % 40];
        Assert.False(model.LogLikelihood(context, other).IsGreedy);
    }

    [Fact]
    public void Batched_requests_score_as_each_alone()
    {
        var gpt = SmallGpt();
        var model = new DecoderLanguageModel(gpt, Characters, "test");
        (int[], int[])[] requests = [(Tokens(1, 3, 40), Tokens(2, 5, 40)), (Tokens(3, 11, 40), Tokens(4, 2, 40)), (Tokens(5, 1, 40), Tokens(6, 1, 40))];
        var batched = model.LogLikelihoods(requests);
        for (int i = 0; i < requests.Length; i++)
        {
            var alone = model.LogLikelihood(requests[i].Item1, requests[i].Item2);
            Assert.InRange(batched[i].LogLikelihood, alone.LogLikelihood - 1e-5, alone.LogLikelihood + 1e-5);
            Assert.Equal(alone.IsGreedy, batched[i].IsGreedy);
        }
    }

    [Theory]
    [InlineData("gpt2-tiny")]
    [InlineData("llama-tiny")]
    public void A_hugging_face_decoders_log_likelihood_is_that_of_a_plain_forward_pass(string fixture)
    {
        var model = (DecoderModel)HfCheckpoint.Load(Cpu, Fixtures.Path($"hf/{fixture}"));
        AssertDecoderAgrees(model.Gpt, Characters, Tokens(11, 12, 512), Tokens(12, 5, 512));
    }

    [Fact]
    public void T5s_log_likelihood_is_that_of_a_plain_forward_pass_with_the_continuation_as_decoder_targets()
    {
        var hf = (T5Model)HfCheckpoint.Load(Cpu, Fixtures.Path("hf/t5-tiny"));
        int start = hf.DecoderStartTokenId!.Value;
        var model = new Seq2SeqLanguageModel(hf.T5, Characters, "t5", start, hf.EosTokenIds);
        int[] context = Tokens(21, 10, 512), continuation = Tokens(22, 4, 512);
        var score = model.LogLikelihood(context, continuation);

        using var input = Tensor.From(Cpu, context, 1, context.Length);
        int[] decoder = [start, .. continuation[..^1]];
        using var decoderInput = Tensor.From(Cpu, decoder, 1, decoder.Length);
        using var tape = new Tape(Cpu, recordGradients: false);
        var logits = hf.Forward(tape, new ModelInputs(input, DecoderInputIds: decoderInput)).Data.ToArray<float>();
        var (expected, greedy) = ByHand(logits, hf.VocabularySize, 0, continuation);
        Assert.InRange(score.LogLikelihood, expected - Tolerance, expected + Tolerance);
        Assert.Equal(greedy, score.IsGreedy);
    }

    [Fact]
    public void A_decoder_cuts_a_long_context_from_the_left()
    {
        var gpt = SmallGpt(context: 16);
        var model = new DecoderLanguageModel(gpt, Characters, "test");
        int[] context = Tokens(31, 30, 40), continuation = Tokens(32, 3, 40);
        var score = model.LogLikelihood(context, continuation);
        // lm-eval: (context + continuation)[-(max_length + 1):][:-1], so 17 - 3 = 14 context tokens remain.
        Assert.Equal(30 - 14, score.TruncatedContextTokens);
        int[] kept = context[^14..];
        var (expected, _) = ByHand(GptLogits(gpt, [.. kept, .. continuation[..^1]]), 40, kept.Length - 1, continuation);
        Assert.InRange(score.LogLikelihood, expected - Tolerance, expected + Tolerance);
        Assert.Equal(score.LogLikelihood, model.LogLikelihood(kept, continuation).LogLikelihood, 1e-9);

        Assert.Throws<ArgumentException>(() => model.LogLikelihood(context, Tokens(33, 17, 40)));
        var generation = model.GenerateGreedy(context, 4);
        Assert.Equal(30 - (16 - 4), generation.TruncatedContextTokens);
        Assert.Equal(model.GenerateGreedy(context[^12..], 4).Tokens, generation.Tokens);
    }

    [Fact]
    public void T5_cuts_a_long_context_from_the_left()
    {
        var hf = (T5Model)HfCheckpoint.Load(Cpu, Fixtures.Path("hf/t5-tiny"));
        var model = new Seq2SeqLanguageModel(hf.T5, Characters, "t5", hf.DecoderStartTokenId!.Value, hf.EosTokenIds, maxLength: 8);
        int[] context = Tokens(41, 13, 512), continuation = Tokens(42, 3, 512);
        var score = model.LogLikelihood(context, continuation);
        Assert.Equal(5, score.TruncatedContextTokens);
        Assert.Equal(model.LogLikelihood(context[^8..], continuation).LogLikelihood, score.LogLikelihood, 1e-9);
    }

    [Fact]
    public void Context_white_space_moves_to_the_continuation_and_the_split_follows_the_contexts_own_tokens()
    {
        var model = new DecoderLanguageModel(SmallGpt(), Characters, "test");
        var (context, continuation) = model.EncodePair("q: ab  ", "cd");
        Assert.Equal(Characters.Encode("q: ab"), context);
        Assert.Equal(Characters.Encode("  cd"), continuation);

        var (empty, whole) = model.EncodePair("", "xy");
        Assert.Equal([Characters.SpecialTokens.Bos!.Value], empty);
        Assert.Equal(Characters.Encode("xy"), whole);

        var hf = (T5Model)HfCheckpoint.Load(Cpu, Fixtures.Path("hf/t5-tiny"));
        var t5 = new Seq2SeqLanguageModel(hf.T5, Characters, "t5", 0, [1]);
        var (encoder, decoder) = t5.EncodePair("q: a ", "b");
        Assert.Equal([.. Characters.Encode("q: a"), 1], encoder);
        Assert.Equal(Characters.Encode(" b"), decoder);
    }

    [Fact]
    public void Greedy_generation_stops_at_eos_or_when_told()
    {
        var gpt = SmallGpt();
        int[] context = Tokens(51, 5, 40);
        var free = new DecoderLanguageModel(gpt, Characters, "test", eosTokenIds: []).GenerateGreedy(context, 8).Tokens;
        Assert.Equal(8, free.Length);

        var toldToStop = new DecoderLanguageModel(gpt, Characters, "test", eosTokenIds: []).GenerateGreedy(context, 8, tokens => tokens.Count == 3);
        Assert.Equal(free[..3], toldToStop.Tokens);

        var atEos = new DecoderLanguageModel(gpt, Characters, "test", eosTokenIds: [free[1]]).GenerateGreedy(context, 8).Tokens;
        Assert.Equal(free[..(Array.IndexOf(free, free[1]) + 1)], atEos);
    }

    [Fact]
    public void T5_greedy_generation_matches_its_generator()
    {
        var hf = (T5Model)HfCheckpoint.Load(Cpu, Fixtures.Path("hf/t5-tiny"));
        var model = new Seq2SeqLanguageModel(hf.T5, Characters, "t5", hf.DecoderStartTokenId!.Value, hf.EosTokenIds);
        int[] context = Tokens(61, 7, 512);
        var expected = hf.Generate(context, new GenerationOptions { MaxNewTokens = 6 });
        Assert.Equal(expected[1..], model.GenerateGreedy(context, 6).Tokens);
        Assert.Equal(expected[1..3], model.GenerateGreedy(context, 6, tokens => tokens.Count == 2).Tokens);
    }

    [Fact]
    public void An_llmlab_gpt_folder_loads_with_its_tokenizer()
    {
        string folder = Directory.CreateTempSubdirectory("llmlab-prompting-").FullName;
        try
        {
            var gpt = SmallGpt();
            var tokenizer = CharTokenizer.Build("abcdefghijklmnopqrstuvwxyz ?:.\n");
            GptFiles.Save(gpt, folder);
            tokenizer.Save(folder);
            var model = LanguageModels.Load(Cpu, folder);
            Assert.IsType<DecoderLanguageModel>(model);
            Assert.Equal(Path.GetFileName(folder), model.Name);
            Assert.Equal(24, model.MaxLength);
            var (context, continuation) = model.EncodePair("ab c", " d");
            var expected = new DecoderLanguageModel(gpt, tokenizer, "x").LogLikelihood(context, continuation);
            Assert.Equal(expected.LogLikelihood, model.LogLikelihood(context, continuation).LogLikelihood, 1e-9);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void Folders_that_cannot_be_prompted_say_why()
    {
        Assert.Contains("no such model folder", Assert.Throws<InvalidDataException>(() => LanguageModels.Load(Cpu, "/no/such/folder")).Message);
        Assert.Contains("has no tokenizer", Assert.Throws<InvalidDataException>(() => LanguageModels.Load(Cpu, Fixtures.Path("hf/gpt2-tiny"))).Message);
        Assert.Contains("encoder-only", Assert.Throws<NotSupportedException>(() => LanguageModels.Load(Cpu, Fixtures.Path("hf/bert-tiny"))).Message);
    }
}
