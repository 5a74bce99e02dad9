using System.Text.Json.Nodes;
using LlmLab.Autograd;
using LlmLab.Backends;
using LlmLab.IO;
using LlmLab.Models;
using LlmLab.Models.HuggingFace;
using LlmLab.Peft;
using LlmLab.Tensors;
using LlmLab.Tests.Infrastructure;

namespace LlmLab.Tests.Peft;

/// <summary>
/// IA3: vectors at 1 that leave the model unchanged, peft's defaults and trainable-parameter counts on every
/// family (the formulas of <see cref="Ia3"/>'s docs), gradients against float64, and peft's files (names, shapes,
/// config) that load back bit-identical.
/// </summary>
[Collection("backends")]
public class Ia3Tests
{
    public static TheoryData<string> Backends => TestBackends.All;
    public static TheoryData<string> Families => new() { "gpt2-tiny", "llama-tiny", "bert-tiny", "t5-tiny" };

    private static readonly IBackend Cpu = TestBackends.Get("cpu");
    private static readonly long[] Ids = [3, 7, 1, 12, 0, 5];
    private static readonly long[] Targets = [7, 1, 12, 0, 5, 9];

    private static float[] Logits(HfModel model)
    {
        using var ids = Tensor.From(model.Backend, new[] { 5, 17, 300, 2, 41, 9, 77, 8 }, 2, 4);
        using var decoder = Tensor.From(model.Backend, new[] { 0, 12, 6, 0, 3, 99 }, 2, 3);
        using var tape = new Tape(model.Backend, recordGradients: false);
        return model.Forward(tape, new ModelInputs(ids, DecoderInputIds: model.Family == ModelFamily.EncoderDecoder ? decoder : null)).Data.ToArray<float>();
    }

    private static float[] Logits(Gpt gpt)
    {
        using var ids = Tensor.From(Cpu, Ids, 1, Ids.Length);
        using var tape = new Tape(Cpu, recordGradients: false);
        return gpt.Forward(tape, ids).Data.ToArray<float>();
    }

    private static string TempFolder() => Path.Combine(Path.GetTempPath(), "llmlab-ia3-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public void Vectors_start_at_one_and_only_they_train()
    {
        var gpt = new Gpt(Cpu, Float64Gpt.Tiny, seed: 1);
        Float64Gpt.Randomise(gpt, seed: 3);
        var before = Logits(gpt);
        var adapted = Ia3.Apply(gpt, Ia3Config.For(Float64Gpt.Tiny));

        Assert.Equal(["h.0.attn.k_proj", "h.0.attn.v_proj", "h.0.mlp.c_proj", "h.1.attn.k_proj", "h.1.attn.v_proj", "h.1.mlp.c_proj"], adapted);
        var (layers, c, h) = (Float64Gpt.Tiny.Layers, Float64Gpt.Tiny.Width, Float64Gpt.Tiny.MlpHidden);
        var block = gpt.Blocks[0];
        Assert.Equal(new Shape(c), block.Attention.Key.Ia3Vector!.Shape);
        Assert.False(block.Attention.Key.Ia3FeedForward);
        Assert.Equal(new Shape(h), block.Mlp.Out.Ia3Vector!.Shape);   // the down projection's input: the inner activation
        Assert.True(block.Mlp.Out.Ia3FeedForward);
        Assert.All(block.Mlp.Out.Ia3Vector!.Data.ToArray<float>(), v => Assert.Equal(1f, v));
        Assert.All(gpt.NamedParameters(), p => Assert.Equal(p.Name.EndsWith(".ia3_l", StringComparison.Ordinal), p.Parameter.RequiresGrad));
        // L (2C + H): keys' and values' outputs, the down projection's input.
        Assert.Equal(layers * (2 * c + h), gpt.ParameterCount(trainableOnly: true));
        Assert.Equal(layers * (2 * c + h), Ia3.TrainableParameterCount(new Gpt(Cpu, Float64Gpt.Tiny, seed: 1), Ia3Config.For(Float64Gpt.Tiny)));
        AssertClose.BitIdentical(before, Logits(gpt), "logits with every vector at 1");

        Assert.Throws<InvalidOperationException>(() => Ia3.Apply(gpt, Ia3Config.For(Float64Gpt.Tiny)));
        Assert.Throws<ArgumentException>(() => Ia3.Apply(gpt, new Ia3Config { TargetModules = ["k_proj"], FeedforwardModules = ["c_proj"] }));
        gpt.Blocks[0].Attention.Key.DetachIa3();
        Assert.Null(gpt.Blocks[0].Attention.Key.Ia3Vector);
        Assert.DoesNotContain(gpt.NamedParameters(), p => p.Name == "h.0.attn.k_proj.ia3_l");
    }

    [Fact]
    public void Pefts_defaults_count_as_the_formulas_on_every_family()
    {
        long Count(string fixture)
        {
            var model = HfCheckpoint.Load(Cpu, Fixtures.Path("hf/" + fixture));
            var config = Ia3Config.For(model.ModelType);
            long predicted = Ia3.TrainableParameterCount(model, config);
            Ia3.Apply(model, config);
            Assert.Equal(predicted, model.Module.ParameterCount(trainableOnly: true));
            return predicted;
        }
        // gpt2-tiny L 2, C 48, H 192: c_attn's q, k, v (3C) and mlp.c_proj's input (H).
        Assert.Equal(2 * (3 * 48 + 192), Count("gpt2-tiny"));
        // llama-tiny L 2, 2 key/value heads of 12, H 124: k and v outputs (24 each), down_proj's input.
        Assert.Equal(2 * (2 * 24 + 124), Count("llama-tiny"));
        // bert-tiny L 2, C 48, I 128: key, value, and "output.dense" (attention.output.dense's input C, output.dense's I).
        Assert.Equal(2 * (3 * 48 + 128), Count("bert-tiny"));
        // t5-tiny 2 + 2 blocks, inner 4 x 16 = 64, F 128: encoder k, v, wo; decoder self and cross k, v, wo.
        Assert.Equal(2 * (2 * 64 + 128) + 2 * (4 * 64 + 128), Count("t5-tiny"));
    }

    [Theory, MemberData(nameof(Backends))]
    public void Vector_gradients_match_float64(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        var gpt = new Gpt(backend, Float64Gpt.Tiny, seed: 1);
        var config = new Ia3Config { TargetModules = ["k_proj", "v_proj", "q_proj", "mlp.c_proj"], FeedforwardModules = ["mlp.c_proj"] };
        var adapted = Ia3.Apply(gpt, config);
        Float64Gpt.Randomise(gpt, seed: 30);
        var feedForward = adapted.Where(config.IsFeedForward).ToHashSet();
        using var ids = Tensor.From(backend, Ids, 1, Ids.Length);
        using var targets = Tensor.From(backend, Targets, Targets.Length);
        int checkedCount = Float64Gpt.CheckGradients(backend, gpt, tape => gpt.Loss(tape, ids, targets),
            p => Float64Gpt.Loss(p, Ids, Targets, feedForward: feedForward));
        Assert.Equal(8, checkedCount);
    }

    [Fact]
    public void Gpt2_files_have_pefts_names_shapes_and_config()
    {
        string folder = TempFolder();
        try
        {
            var model = HfCheckpoint.Load(Cpu, Fixtures.Path("hf/gpt2-tiny"));
            Ia3.Apply(model, Ia3Config.For("gpt2"));
            Ia3Adapter.Save(model, folder);

            var config = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "adapter_config.json")))!.AsObject();
            Assert.Equal("IA3", (string?)config["peft_type"]);
            Assert.Equal("CAUSAL_LM", (string?)config["task_type"]);
            Assert.Equal(["attn.c_attn", "mlp.c_proj"], config["target_modules"]!.AsArray().Select(n => (string)n!));
            Assert.Equal(["mlp.c_proj"], config["feedforward_modules"]!.AsArray().Select(n => (string)n!));
            Assert.True((bool)config["fan_in_fan_out"]!);
            using var file = Safetensors.Open(Path.Combine(folder, "adapter_model.safetensors"));
            Assert.Equal(4, file.Names.Count());
            Assert.Equal([144, 1], file.Info("base_model.model.transformer.h.0.attn.c_attn.ia3_l").Shape);
            Assert.Equal([1, 192], file.Info("base_model.model.transformer.h.1.mlp.c_proj.ia3_l").Shape);
        }
        finally
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
    }

    [Theory, MemberData(nameof(Families))]
    public void Saved_vectors_load_back_bit_identical(string fixture)
    {
        string folder = TempFolder();
        try
        {
            var trained = HfCheckpoint.Load(Cpu, Fixtures.Path("hf/" + fixture));
            Ia3.Apply(trained, Ia3Config.For(trained.ModelType));
            int seed = 50;
            foreach (var (_, p) in trained.Module.NamedParameters().Where(p => p.Parameter.RequiresGrad))
                Float64Gpt.Write(p, TestData.Uniform(seed++, p.Data.ElementCount, 0.5f).Select(v => 1 + v).ToArray());
            var expected = Logits(trained);
            Ia3Adapter.Save(trained, folder);

            var loaded = HfCheckpoint.Load(Cpu, Fixtures.Path("hf/" + fixture));
            var modules = Ia3Adapter.Load(loaded, folder);
            Assert.Equal(Ia3.TrainableParameterCount(loaded, Ia3Config.For(loaded.ModelType)), loaded.Module.ParameterCount(trainableOnly: true));
            var vectors = trained.Module.NamedParameters().Where(p => p.Name.EndsWith(".ia3_l", StringComparison.Ordinal)).ToDictionary(p => p.Name, p => p.Parameter);
            var reloaded = loaded.Module.NamedParameters().Where(p => p.Name.EndsWith(".ia3_l", StringComparison.Ordinal)).ToList();
            Assert.Equal(vectors.Keys, reloaded.Select(p => p.Name));
            foreach (var (name, p) in reloaded)
            {
                Assert.True(p.RequiresGrad);
                AssertClose.BitIdentical(vectors[name].Data.ToArray<float>(), p.Data.ToArray<float>(), name);
            }
            AssertClose.BitIdentical(expected, Logits(loaded), $"{fixture} logits after the round trip");
            Assert.NotEmpty(modules);

            // The base checkpoint the model saves stays the base's: no ia3_l in model.safetensors.
            string saved = Path.Combine(folder, "model");
            trained.Save(saved);
            using var weights = Safetensors.Open(Path.Combine(saved, "model.safetensors"));
            Assert.DoesNotContain(weights.Names, n => n.Contains("ia3", StringComparison.Ordinal));
        }
        finally
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void Llmlab_gpt_files_round_trip_and_bad_files_are_named()
    {
        string folder = TempFolder();
        try
        {
            var trained = new Gpt(Cpu, Float64Gpt.Tiny, seed: 1);
            Float64Gpt.Randomise(trained, seed: 60);
            Ia3.Apply(trained, Ia3Config.For(Float64Gpt.Tiny));
            int seed = 70;
            foreach (var (_, p) in trained.NamedParameters().Where(p => p.Parameter.RequiresGrad))
                Float64Gpt.Write(p, TestData.Uniform(seed++, p.Data.ElementCount, 0.5f).Select(v => 1 + v).ToArray());
            Ia3Adapter.Save(trained, folder);
            var config = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "adapter_config.json")))!.AsObject();
            Assert.Equal(["c_proj", "k_proj", "v_proj"], config["target_modules"]!.AsArray().Select(n => (string)n!));
            Assert.Equal(["c_proj"], config["feedforward_modules"]!.AsArray().Select(n => (string)n!));

            var loaded = new Gpt(Cpu, Float64Gpt.Tiny, seed: 1);
            Float64Gpt.Randomise(loaded, seed: 60);
            foreach (var (_, p) in loaded.NamedParameters()) p.RequiresGrad = true;
            Ia3Adapter.Load(loaded, folder);
            AssertClose.BitIdentical(Logits(trained), Logits(loaded), "logits after the round trip");

            // A model of another width: the vector's shape is named.
            var wider = new Gpt(Cpu, Float64Gpt.Tiny with { Width = 12, Heads = 2 }, seed: 1);
            var error = Assert.Throws<InvalidDataException>(() => Ia3Adapter.Load(wider, folder));
            Assert.Contains("h.0.attn.k_proj.ia3_l", error.Message);
            Assert.All(wider.NamedParameters(), p => Assert.DoesNotContain("ia3", p.Name));
        }
        finally
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
    }
}
