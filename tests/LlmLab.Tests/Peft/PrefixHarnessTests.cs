using LlmLab.Autograd;
using LlmLab.Backends;
using LlmLab.Models;
using LlmLab.Models.HuggingFace;
using LlmLab.Peft;
using LlmLab.Prompting;
using LlmLab.Tensors;
using LlmLab.Tests.Infrastructure;
using LlmLab.Tokenizers;

namespace LlmLab.Tests.Peft;

/// <summary>
/// Prefix tuning in the prompting harness: log-likelihoods are those of <see cref="PrefixTuning.Forward"/>, and
/// cached greedy generation after <see cref="PrefixTuning.Prefill"/> equals greedy decoding that runs Forward over the
/// whole sequence each step, on LlmLab's GPT (learned positions) and the Llama fixture (rotary, grouped heads).
/// </summary>
public class PrefixHarnessTests
{
    private static readonly CharTokenizer Characters = CharTokenizer.Build("abcdefghijkl");

    private static IBackend Cpu => TestBackends.Get("cpu");

    public static TheoryData<string> Models => new() { "llmlab", "llama-tiny" };

    private static Gpt Model(string name) => name == "llmlab"
        ? new Gpt(Cpu, new GptConfig { VocabularySize = 20, Context = 24, Layers = 2, Heads = 2, Width = 8 }, seed: 3)
        : ((DecoderModel)HfCheckpoint.Load(Cpu, Fixtures.Path("hf/" + name))).Gpt;

    private static int[] Tokens(int seed, int count, int vocabulary)
    {
        var random = new System.Random(seed);
        return [.. Enumerable.Range(0, count).Select(_ => random.Next(vocabulary))];
    }

    private static float[] Logits(PrefixTuning tuning, int[] ids)
    {
        using var tape = new Tape(Cpu, recordGradients: false);
        using var input = Tensor.From(Cpu, ids, 1, ids.Length);
        return tuning.Forward(tape, input).Data.ToArray<float>();
    }

    [Theory, MemberData(nameof(Models))]
    public void Scores_and_cached_greedy_tokens_are_those_of_the_prefixed_forward(string name)
    {
        var gpt = Model(name);
        int vocabulary = gpt.Config.VocabularySize;
        var tuning = PrefixTuning.Apply(gpt, new PrefixTuningConfig { NumVirtualTokens = 3 }, seed: 5);
        var model = new DecoderLanguageModel(gpt, Characters, name, eosTokenIds: [], prefixTokenId: 0, prefix: tuning.ForHarness());
        Assert.Equal(gpt.Config.Context - 3, model.MaxLength);

        int[] context = Tokens(1, 5, vocabulary), continuation = Tokens(2, 3, vocabulary);
        var logits = Logits(tuning, [.. context, .. continuation[..^1]]);
        double expected = 0;
        for (int j = 0; j < continuation.Length; j++)
        {
            var row = logits.AsSpan((context.Length - 1 + j) * vocabulary, vocabulary).ToArray();
            expected += row[continuation[j]] - Math.Log(row.Sum(x => Math.Exp(x)));
        }
        var score = model.LogLikelihood(context, continuation);
        Assert.InRange(score.LogLikelihood, expected - 1e-4, expected + 1e-4);

        var generated = model.GenerateGreedy(context, 5).Tokens;
        var greedy = new List<int>();
        for (int step = 0; step < 5; step++)
        {
            int[] sequence = [.. context, .. greedy];
            var last = Logits(tuning, sequence).AsSpan((sequence.Length - 1) * vocabulary, vocabulary).ToArray();
            greedy.Add(Array.IndexOf(last, last.Max()));
        }
        Assert.Equal(greedy, generated);
        // The prefix matters: the plain model decodes otherwise (or at least scores otherwise).
        var plain = new DecoderLanguageModel(gpt, Characters, name, eosTokenIds: [], prefixTokenId: 0);
        Assert.NotEqual(plain.LogLikelihood(context, continuation).LogLikelihood, score.LogLikelihood, 3);
    }

    [Fact]
    public void Prefill_refuses_caches_that_are_not_empty()
    {
        var gpt = Model("llmlab");
        var tuning = PrefixTuning.Apply(gpt, new PrefixTuningConfig { NumVirtualTokens = 2 }, seed: 5);
        var caches = gpt.NewCaches(1, 10);
        try
        {
            tuning.Prefill(caches);
            Assert.All(caches, c => Assert.Equal(2, c.Length));
            Assert.Throws<ArgumentException>(() => tuning.Prefill(caches));
        }
        finally
        {
            foreach (var cache in caches) cache.Dispose();
        }
    }
}
