using LlmLab.Autograd;
using LlmLab.Backends;
using LlmLab.Models;
using LlmLab.Nn;
using LlmLab.Random;
using LlmLab.Tensors;
using LlmLab.Tests.Infrastructure;

namespace LlmLab.Tests.Models;

/// <summary>The GPT built from LlmLab's modules: names, freezing, seeded initialisation, KV-cache consistency, learning.</summary>
[Collection("backends")]
public class GptTests
{
    public static TheoryData<string> Backends => TestBackends.All;

    private static GptConfig Tiny(PositionKind positions = PositionKind.Learned, NormKind norm = NormKind.LayerNorm,
        MlpKind mlp = MlpKind.Gelu, int kvHeads = 0, bool tied = true) => new()
    {
        VocabularySize = 11, Context = 16, Layers = 2, Heads = 2, KeyValueHeads = kvHeads, Width = 8,
        Positions = positions, Norm = norm, Mlp = mlp, TiedEmbeddings = tied,
    };

    [Fact]
    public void Parameters_have_hugging_face_style_names_and_freeze_by_pattern()
    {
        var backend = TestBackends.Get("cpu");
        var gpt = new Gpt(backend, Tiny(), seed: 1);
        var names = gpt.NamedParameters().Select(p => p.Name).ToList();
        Assert.Equal("wte.weight", names[0]);
        Assert.Contains("wpe.weight", names);
        Assert.Contains("h.1.attn.q_proj.weight", names);
        Assert.Contains("h.0.mlp.c_fc.bias", names);
        Assert.Contains("ln_f.weight", names);
        Assert.DoesNotContain(names, n => n.StartsWith("lm_head"));
        long all = gpt.ParameterCount();
        Assert.Equal(4, gpt.Freeze("h.*.attn.q_proj.*"));
        Assert.Equal(all - 2 * (8 * 8 + 8), gpt.ParameterCount(trainableOnly: true));
        var e = Assert.Throws<ArgumentException>(() => gpt.Freeze("h.9.*"));
        Assert.Contains("h.9.*", e.Message);
    }

    [Fact]
    public void The_seed_fixes_every_weight()
    {
        var backend = TestBackends.Get("cpu");
        var a = new Gpt(backend, Tiny(), seed: 5).NamedParameters().ToList();
        var b = new Gpt(backend, Tiny(), seed: 5).NamedParameters().ToList();
        var c = new Gpt(backend, Tiny(), seed: 6).NamedParameters().ToList();
        for (int i = 0; i < a.Count; i++)
            Assert.Equal(a[i].Parameter.Data.ToArray<float>(), b[i].Parameter.Data.ToArray<float>());
        Assert.NotEqual(a[0].Parameter.Data.ToArray<float>(), c[0].Parameter.Data.ToArray<float>());
        var std = Math.Sqrt(a[0].Parameter.Data.ToArray<float>().Select(v => (double)v * v).Average());
        Assert.InRange(std, 0.015, 0.025); // N(0, 0.02)
    }

    [Fact]
    public void A_bad_config_names_the_value()
    {
        var e = Assert.Throws<ArgumentException>(() => new Gpt(TestBackends.Get("cpu"), Tiny() with { Heads = 3 }, 1));
        Assert.Contains("heads 3", e.Message);
    }

    [Theory, MemberData(nameof(Backends))]
    public void Decoding_with_a_kv_cache_gives_the_logits_of_a_full_pass(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        foreach (var config in new[] { Tiny(), Tiny(PositionKind.Rotary, NormKind.RmsNorm, MlpKind.SwiGlu, kvHeads: 1, tied: false) })
        {
            var gpt = new Gpt(backend, config, seed: 3);
            int[] ids = [1, 4, 2, 9, 3, 3, 7];
            using var all = Tensor.From(backend, ids, 1, ids.Length);
            float[] full;
            using (var tape = new Tape(backend, recordGradients: false))
                full = gpt.Forward(tape, all).Data.ToArray<float>();

            var caches = gpt.NewCaches(batch: 1, capacity: config.Context);
            var stepwise = new List<float>();
            using (var tape = new Tape(backend, recordGradients: false))
            {
                using var prompt = Tensor.From(backend, ids[..3], 1, 3);
                stepwise.AddRange(gpt.Forward(tape, prompt, caches).Data.ToArray<float>());
            }
            for (int t = 3; t < ids.Length; t++)
            {
                using var tape = new Tape(backend, recordGradients: false);
                using var next = Tensor.From(backend, new[] { ids[t] }, 1, 1);
                stepwise.AddRange(gpt.Forward(tape, next, caches).Data.ToArray<float>());
            }
            AssertClose.Within(full, stepwise.ToArray(), 2e-5, 1e-4, $"{config.Positions} KV cache vs full pass");
            foreach (var c in caches) c.Dispose();
        }
    }

    [Theory, MemberData(nameof(Backends))]
    public void A_few_adamw_steps_lower_the_loss_on_a_repeating_sequence(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        var gpt = new Gpt(backend, Tiny(), seed: 2);
        var parameters = gpt.NamedParameters().ToList();
        var moments = parameters.Select(p => (M: Tensor.Zeros(backend, p.Parameter.Shape), V: Tensor.Zeros(backend, p.Parameter.Shape))).ToList();
        var sequence = Enumerable.Range(0, 17).Select(i => i % 5).ToArray();
        using var ids = Tensor.From(backend, sequence[..16], 1, 16);
        using var targets = Tensor.From(backend, sequence[1..].Select(t => (long)t).ToArray(), 16);
        float first = 0, last = 0;
        // The ILGPU simulator pays milliseconds per launch: a few steps there prove the kernels train, the cpu learns.
        bool simulator = backendName == "ilgpu-cpu";
        int steps = simulator ? 4 : 30;
        for (int step = 1; step <= steps; step++)
        {
            using var tape = new Tape(backend);
            var loss = gpt.Loss(tape, ids, targets);
            tape.Backward(loss);
            last = loss.Data.ToArray<float>()[0];
            if (step == 1) first = last;
            for (int i = 0; i < parameters.Count; i++)
            {
                var p = parameters[i].Parameter;
                backend.AdamW(p.Data, p.Grad!, moments[i].M, moments[i].V, new AdamWStep(1e-2f, step, WeightDecay: 0));
                p.ZeroGrad();
            }
        }
        Assert.InRange(first, 2.2f, 2.6f);                  // ln 11 = 2.40 at initialisation
        Assert.True(last < (simulator ? 0.97f : 0.5f) * first, $"loss went from {first} to {last} in {steps} steps");
    }

    [Fact]
    public void Random_streams_are_independent_and_repeatable()
    {
        var a = new RandomStream(7, "init.wte").Normal(1000, 1);
        Assert.Equal(a, new RandomStream(7, "init.wte").Normal(1000, 1));
        Assert.NotEqual(a, new RandomStream(7, "init.wpe").Normal(1000, 1));
        Assert.InRange(a.Average(), -0.1, 0.1);
        Assert.InRange(a.Select(v => v * v).Average(), 0.85, 1.15);
    }
}
