using LlmLab.Backends;
using LlmLab.Generation;
using LlmLab.Models;
using LlmLab.Tests.Infrastructure;

namespace LlmLab.Tests.Generation;

/// <summary>Generation with and without the KV cache, stop tokens, streaming and seeded sampling.</summary>
[Collection("backends")]
public class GeneratorTests
{
    public static TheoryData<string> Backends => TestBackends.All;

    private static Gpt Model(string backendName, PositionKind positions = PositionKind.Learned) =>
        new(TestBackends.Get(backendName), new GptConfig
        {
            VocabularySize = 13, Context = 24, Layers = 2, Heads = 2, Width = 8, Positions = positions,
        }, seed: 4);

    [Theory, MemberData(nameof(Backends))]
    public void Greedy_tokens_are_the_same_with_and_without_the_kv_cache(string backendName)
    {
        // The ILGPU simulator pays milliseconds per launch: a shorter run there.
        bool simulator = backendName == "ilgpu-cpu";
        foreach (var positions in simulator ? [PositionKind.Rotary] : new[] { PositionKind.Learned, PositionKind.Rotary })
        {
            var model = Model(backendName, positions);
            int[][] prompts = simulator ? [[1, 2, 3], [4, 4, 4]] : [[1, 2, 3], [4, 4, 4], [7, 1], [0]];
            int newTokens = simulator ? 4 : 10;
            var options = new GenerationOptions { MaxNewTokens = newTokens };
            var cached = Generator.Generate(model, prompts, options);
            var uncached = Generator.Generate(model, prompts, options with { UseKvCache = false });
            for (int i = 0; i < prompts.Length; i++)
            {
                Assert.Equal(newTokens, cached[i].Length);
                Assert.Equal(uncached[i], cached[i]);
            }
        }
    }

    [Fact]
    public void A_row_stops_at_its_stop_token_and_tokens_stream_in_order()
    {
        var model = Model("cpu");
        int[][] prompts = [[1, 2, 3], [5, 6, 7]];
        var full = Generator.Generate(model, prompts, new GenerationOptions { MaxNewTokens = 12 });
        int stop = full[0][4];
        var streamed = new List<(int, int)>();
        var stopped = Generator.Generate(model, prompts, new GenerationOptions { MaxNewTokens = 12, StopTokens = [stop] },
            (prompt, token) => streamed.Add((prompt, token)));
        int cut = Array.IndexOf(full[0], stop) + 1;
        Assert.Equal(full[0][..cut], stopped[0]);
        Assert.Equal(stopped[0], streamed.Where(s => s.Item1 == 0).Select(s => s.Item2).ToArray());
        Assert.Equal(stopped[1], streamed.Where(s => s.Item1 == 1).Select(s => s.Item2).ToArray());
    }

    [Fact]
    public void Sampling_is_fixed_by_the_seed()
    {
        var model = Model("cpu");
        int[][] prompts = [[1, 2], [3, 4]];
        var sampling = new SamplingOptions { Temperature = 1.5f, TopK = 8, TopP = 0.95f };
        var a = Generator.Generate(model, prompts, new GenerationOptions { MaxNewTokens = 15, Sampling = sampling, Seed = 11 });
        var b = Generator.Generate(model, prompts, new GenerationOptions { MaxNewTokens = 15, Sampling = sampling, Seed = 11 });
        var c = Generator.Generate(model, prompts, new GenerationOptions { MaxNewTokens = 15, Sampling = sampling, Seed = 12 });
        Assert.Equal(a[0], b[0]);
        Assert.Equal(a[1], b[1]);
        Assert.False(a[0].SequenceEqual(c[0]) && a[1].SequenceEqual(c[1]), "a different seed should change the draws");
    }

    [Fact]
    public void Past_the_context_the_window_slides_with_or_without_the_cache()
    {
        var model = Model("cpu");
        var options = new GenerationOptions { MaxNewTokens = 40 };
        var cached = Generator.Generate(model, [[1, 2, 3, 4]], options);
        var uncached = Generator.Generate(model, [[1, 2, 3, 4]], options with { UseKvCache = false });
        Assert.Equal(40, cached[0].Length);
        Assert.Equal(uncached[0], cached[0]);
        // Each token past the context is the greedy choice given exactly the last 24 tokens.
        var sequence = new[] { 1, 2, 3, 4 }.Concat(cached[0]).ToArray();
        int t = sequence.Length - 1;
        var alone = Generator.Generate(model, [sequence[(t - 24)..t]], new GenerationOptions { MaxNewTokens = 1 });
        Assert.Equal(sequence[t], alone[0][0]);
    }

    [Fact]
    public void A_prompt_longer_than_the_context_is_refused()
    {
        var e = Assert.Throws<ArgumentException>(() => Generator.Generate(Model("cpu"), [Enumerable.Range(0, 25).Select(i => i % 13).ToArray()], new GenerationOptions()));
        Assert.Contains("25 tokens exceeds the model's context of 24", e.Message);
    }
}
