using LlmLab.Autograd;
using LlmLab.Backends;
using LlmLab.Models;
using LlmLab.Nn;
using LlmLab.Peft;
using LlmLab.Tensors;
using LlmLab.Tests.Infrastructure;
using LlmLab.Training;

namespace LlmLab.Tests.Peft;

/// <summary>
/// LoRA on a GPT's Linear layers: PEFT's names and initialisation, the unchanged forward while B = 0, gradients that
/// reach only A and B, merge / unmerge / merge-and-unload, target matching and the trainable-parameter formula.
/// Merged and fused outputs are compared within 1e-5 relative + 1e-6 absolute (the f32 matmul tolerance).
/// </summary>
[Collection("backends")]
public class LoraTests
{
    private static readonly IBackend Cpu = TestBackends.Get("cpu");

    private static readonly GptConfig Tiny = new()
    {
        VocabularySize = 13, Context = 16, Layers = 2, Heads = 2, Width = 8, TiedEmbeddings = false,
    };

    private static readonly int[] Tokens = Enumerable.Range(0, 400).Select(i => (i * 5 + i / 7) % 13).ToArray();

    private static float[] Logits(Gpt gpt)
    {
        using var ids = Tensor.From(Cpu, Tokens[..24], 2, 12);
        using var tape = new Tape(Cpu, recordGradients: false);
        return gpt.Forward(tape, ids).Data.ToArray<float>();
    }

    private static Dictionary<string, float[]> Snapshot(Module model) =>
        model.NamedParameters().ToDictionary(p => p.Name, p => p.Parameter.Data.ToArray<float>());

    private static void Overwrite(Variable parameter, float[] values)
    {
        using var source = Tensor.From(Cpu, values, parameter.Shape.ToArray());
        Cpu.Copy(source.Storage, source.ByteOffset, parameter.Data.Storage, parameter.Data.ByteOffset, source.ByteLength);
    }

    // B = 0 makes merging trivial: give every adapter a random B, as training would.
    private static void RandomiseB(Module model)
    {
        int seed = 40;
        foreach (var (_, layer) in Lora.Adapted(model))
            Overwrite(layer.LoraB!.Weight, TestData.Normal(seed++, layer.OutFeatures * layer.LoraRank, 0.3f));
    }

    private static Trainer NewTrainer(Gpt gpt, int steps) => new(Cpu, gpt, (tape, b) => gpt.Loss(tape, b.Inputs, b.Targets),
        new TrainingOptions { Steps = steps, LearningRate = 1e-2f, WarmupSteps = 0, EvaluationInterval = 0 },
        new CausalLmBatches(Tokens, 12, 3, seed: 2));

    [Fact]
    public void Adapters_take_pefts_names_shapes_and_initialisation()
    {
        var gpt = new Gpt(Cpu, Tiny, seed: 1);
        var layers = Lora.Apply(gpt, new LoraConfig { Rank = 4, Alpha = 8 }, seed: 3);

        Assert.Equal(["h.0.attn.q_proj", "h.0.attn.v_proj", "h.1.attn.q_proj", "h.1.attn.v_proj"], layers.Select(l => l.Name));
        var parameters = gpt.NamedParameters().ToDictionary(p => p.Name, p => p.Parameter);
        var a = parameters["h.0.attn.q_proj.lora_A.weight"];
        var b = parameters["h.0.attn.q_proj.lora_B.weight"];
        Assert.Equal(new Shape(4, 8), a.Shape);
        Assert.Equal(new Shape(8, 4), b.Shape);
        Assert.All(b.Data.ToArray<float>(), v => Assert.Equal(0f, v));
        var values = a.Data.ToArray<float>();
        float bound = 1 / MathF.Sqrt(8);
        Assert.All(values, v => Assert.InRange(v, -bound, bound));
        Assert.True(values.Distinct().Count() == values.Length, "A should be random");
        Assert.Equal(2f, layers[0].Layer.LoraScale);
        // A layer's A depends on the seed and its name only, not on which other layers are adapted.
        var alone = Lora.Apply(new Gpt(Cpu, Tiny, seed: 9), new LoraConfig { Rank = 4, TargetModules = ["h.1.attn.q_proj"] }, seed: 3);
        Assert.Equal(parameters["h.1.attn.q_proj.lora_A.weight"].Data.ToArray<float>(), alone[0].Layer.LoraA!.Weight.Data.ToArray<float>());

        Assert.All(parameters, p => Assert.Equal(p.Key.Contains(".lora_"), p.Value.RequiresGrad));
        Assert.Equal(Lora.TrainableParameterCount(layers.Select(l => l.Layer), 4), gpt.ParameterCount(trainableOnly: true));
        Assert.Equal(4 * 4 * (8 + 8), gpt.ParameterCount(trainableOnly: true));
    }

    [Fact]
    public void With_b_zero_the_adapted_model_computes_the_base_model()
    {
        var gpt = new Gpt(Cpu, Tiny, seed: 1);
        var before = Logits(gpt);
        Lora.Apply(gpt, new LoraConfig { TargetModules = [LoraConfig.AllLinear] }, seed: 3);
        AssertClose.Within(before, Logits(gpt), 1e-6, 1e-5, "logits with B = 0");
    }

    [Fact]
    public void Training_steps_change_only_a_and_b()
    {
        var gpt = new Gpt(Cpu, Tiny, seed: 1);
        var layers = Lora.Apply(gpt, new LoraConfig { Rank = 2, TargetModules = ["q_proj", "c_fc"] }, seed: 3);
        var before = Snapshot(gpt);
        using (var trainer = NewTrainer(gpt, steps: 3))
        {
            Assert.Equal(Lora.TrainableParameterCount(layers.Select(l => l.Layer), 2), trainer.TrainableParameterCount);
            trainer.Train();
        }

        foreach (var (name, values) in Snapshot(gpt))
        {
            if (name.Contains(".lora_")) Assert.NotEqual(before[name], values);
            else AssertClose.BitIdentical(before[name], values, name);
        }
    }

    [Fact]
    public void Merge_matches_the_adapter_and_unmerge_restores_the_weight()
    {
        var gpt = new Gpt(Cpu, Tiny, seed: 1);
        var baseWeights = Snapshot(gpt);
        Lora.Apply(gpt, new LoraConfig { Rank = 3, Alpha = 6, TargetModules = ["*.attn.*", "lm_head"] }, seed: 3);
        RandomiseB(gpt);
        var adapted = Logits(gpt);

        Assert.Equal(9, Lora.Merge(gpt));
        Assert.All(Lora.Adapted(gpt), l => Assert.True(l.Layer.LoraMerged));
        Assert.NotEqual(baseWeights["h.0.attn.k_proj.weight"], gpt.Blocks[0].Attention.Key.Weight.Data.ToArray<float>());
        AssertClose.Within(adapted, Logits(gpt), 1e-6, 1e-5, "merged logits");

        Lora.Unmerge(gpt);
        var unmerged = Snapshot(gpt);
        foreach (var (name, values) in baseWeights)
            AssertClose.Within(values, unmerged[name], 1e-6, 1e-5, name);
        AssertClose.Within(adapted, Logits(gpt), 1e-6, 1e-5, "unmerged logits");
    }

    [Fact]
    public void Merge_and_unload_leaves_a_plain_model_with_the_adapted_outputs()
    {
        var gpt = new Gpt(Cpu, Tiny, seed: 1);
        var names = gpt.NamedParameters().Select(p => p.Name).ToList();
        Lora.Apply(gpt, new LoraConfig { Rank = 2, TargetModules = ["v_proj", "c_proj"] }, seed: 3);
        RandomiseB(gpt);
        var adapted = Logits(gpt);

        Assert.Equal(4, Lora.MergeAndUnload(gpt));
        Assert.Equal(names, gpt.NamedParameters().Select(p => p.Name));
        Assert.Empty(Lora.Adapted(gpt));
        AssertClose.Within(adapted, Logits(gpt), 1e-6, 1e-5, "unloaded logits");
        Assert.Throws<InvalidOperationException>(() => Lora.Merge(gpt));
    }

    [Fact]
    public void An_unfrozen_base_layer_trains_beside_its_adapter()
    {
        var gpt = new Gpt(Cpu, Tiny, seed: 1);
        Lora.Apply(gpt, new LoraConfig { Rank = 2 }, seed: 3);
        gpt.Unfreeze("h.0.attn.q_proj.weight");
        var before = gpt.Blocks[0].Attention.Query.Weight.Data.ToArray<float>();
        using (var trainer = NewTrainer(gpt, steps: 2)) trainer.Train();
        Assert.NotEqual(before, gpt.Blocks[0].Attention.Query.Weight.Data.ToArray<float>());
    }

    [Fact]
    public void Targets_match_as_pefts_lists_do()
    {
        string[] Match(params string[] targets)
        {
            var gpt = new Gpt(Cpu, Tiny, seed: 1);
            return [.. Lora.Apply(gpt, new LoraConfig { TargetModules = targets }, seed: 1).Select(l => l.Name)];
        }

        Assert.Equal(["h.0.mlp.c_fc", "h.0.mlp.c_proj", "h.1.mlp.c_fc", "h.1.mlp.c_proj"], Match("*.mlp.*"));
        Assert.Equal(["h.1.attn.q_proj"], Match("h.1.attn.q_proj"));
        Assert.Equal(["h.0.attn.o_proj", "h.1.attn.o_proj"], Match("attn.o_proj"));
        Assert.Equal(12, Match(LoraConfig.AllLinear).Length);   // 6 a block, not lm_head
        Assert.Equal(["q_proj", "v_proj"], LoraConfig.ParseTargets(" q_proj, v_proj "));

        var error = Assert.Throws<ArgumentException>(() => Match("query"));
        Assert.Contains("'query'", error.Message);
        Assert.Contains("q_proj, k_proj, v_proj, o_proj, c_fc, c_proj, lm_head", error.Message);

        var twice = new Gpt(Cpu, Tiny, seed: 1);
        Lora.Apply(twice, new LoraConfig(), seed: 1);
        Assert.Throws<InvalidOperationException>(() => Lora.Apply(twice, new LoraConfig(), seed: 1));
    }
}
