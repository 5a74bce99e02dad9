using LlmLab.Autograd;
using LlmLab.Backends;
using LlmLab.Models;
using LlmLab.Prompting;
using LlmLab.Tensors;
using LlmLab.Tests.Infrastructure;
using LlmLab.Tokenizers;

namespace LlmLab.Tests.Prompting;

/// <summary>
/// A decoder with a soft prompt (prompt tuning's rows in front of every input): its log-likelihoods against one
/// forward pass of [prompt rows; token embeddings] scored by hand in float64, its batches against single requests,
/// its cached greedy generation against greedy decoding that runs the whole sequence each step, and the context it
/// leaves for tokens.
/// </summary>
public class SoftPromptTests
{
    private const int Vocabulary = 40, Width = 16, Virtual = 3;
    private static readonly CharTokenizer Characters = CharTokenizer.Build("abcdefghijklmnopqrstuvwxyz ?:.\n");

    private static IBackend Cpu => TestBackends.Get("cpu");

    private static Gpt SmallGpt() => new(Cpu, new GptConfig { VocabularySize = Vocabulary, Context = 24, Layers = 2, Heads = 2, Width = Width }, seed: 7);

    private static Tensor Prompt() => Tensor.From(Cpu, TestData.Normal(11, Virtual * Width, 1f), Virtual, Width);

    private static int[] Tokens(int seed, int count)
    {
        var random = new System.Random(seed);
        return [.. Enumerable.Range(0, count).Select(_ => random.Next(Vocabulary))];
    }

    /// <summary>Logits [n + T, V] of the prompt rows followed by the tokens' embeddings, one plain pass.</summary>
    private static float[] Logits(Gpt gpt, Tensor prompt, int[] ids)
    {
        using var tape = new Tape(Cpu, recordGradients: false);
        using var input = Tensor.From(Cpu, ids, 1, ids.Length);
        var rows = tape.Constant(prompt.Reshape(1, Virtual, Width));
        return gpt.ForwardEmbeddings(tape, tape.Concat(rows, gpt.TokenEmbedding.Forward(tape, input), axis: 1)).Data.ToArray<float>();
    }

    [Fact]
    public void Log_likelihoods_are_those_of_a_forward_pass_with_the_prompt_in_front()
    {
        var gpt = SmallGpt();
        using var prompt = Prompt();
        var model = new DecoderLanguageModel(gpt, Characters, "soft", softPrompt: prompt);
        Assert.Equal(24 - Virtual, model.MaxLength);
        foreach (var (context, continuation) in new[] { (Tokens(1, 7), Tokens(2, 4)), (Tokens(3, 1), Tokens(4, 1)) })
        {
            int[] all = [.. context, .. continuation];
            var logits = Logits(gpt, prompt, all[..^1]);
            double expected = 0;
            for (int j = 0; j < continuation.Length; j++)
            {
                var row = logits.AsSpan((Virtual + context.Length - 1 + j) * Vocabulary, Vocabulary).ToArray();
                expected += row[continuation[j]] - Math.Log(row.Sum(x => Math.Exp(x)));
            }
            var score = model.LogLikelihood(context, continuation);
            Assert.InRange(score.LogLikelihood, expected - 1e-4, expected + 1e-4);
        }
        // The prompt changes the scores: without it they differ.
        var plain = new DecoderLanguageModel(gpt, Characters, "plain").LogLikelihood(Tokens(1, 7), Tokens(2, 4));
        Assert.NotEqual(plain.LogLikelihood, model.LogLikelihood(Tokens(1, 7), Tokens(2, 4)).LogLikelihood, 3);
    }

    [Fact]
    public void Batched_requests_score_as_each_alone()
    {
        using var prompt = Prompt();
        var model = new DecoderLanguageModel(SmallGpt(), Characters, "soft", softPrompt: prompt);
        (int[], int[])[] requests = [(Tokens(1, 3), Tokens(2, 5)), (Tokens(3, 11), Tokens(4, 2)), (Tokens(5, 1), Tokens(6, 1))];
        var batched = model.LogLikelihoods(requests);
        for (int i = 0; i < requests.Length; i++)
        {
            var alone = model.LogLikelihood(requests[i].Item1, requests[i].Item2);
            Assert.InRange(batched[i].LogLikelihood, alone.LogLikelihood - 1e-5, alone.LogLikelihood + 1e-5);
        }
    }

    [Fact]
    public void Cached_greedy_generation_equals_decoding_the_whole_sequence_each_step()
    {
        var gpt = SmallGpt();
        using var prompt = Prompt();
        int[] context = Tokens(9, 5);
        var generated = new DecoderLanguageModel(gpt, Characters, "soft", eosTokenIds: [], softPrompt: prompt).GenerateGreedy(context, 6).Tokens;
        var expected = new List<int>();
        for (int step = 0; step < 6; step++)
        {
            int[] sequence = [.. context, .. expected];
            var logits = Logits(gpt, prompt, sequence);
            var last = logits.AsSpan((Virtual + sequence.Length - 1) * Vocabulary, Vocabulary).ToArray();
            expected.Add(Array.IndexOf(last, last.Max()));
        }
        Assert.Equal(expected, generated);
    }

    [Fact]
    public void A_prompt_of_the_wrong_width_or_as_long_as_the_context_is_refused()
    {
        var gpt = SmallGpt();
        using var narrow = Tensor.From(Cpu, new float[Virtual * 8], Virtual, 8);
        using var whole = Tensor.From(Cpu, new float[24 * Width], 24, Width);
        Assert.Contains("soft prompt", Assert.Throws<ArgumentException>(() => new DecoderLanguageModel(gpt, Characters, "soft", softPrompt: narrow)).Message);
        Assert.Contains("soft prompt", Assert.Throws<ArgumentException>(() => new DecoderLanguageModel(gpt, Characters, "soft", softPrompt: whole)).Message);
    }
}
