using System.Text.Json.Nodes;
using LlmLab.Autograd;
using LlmLab.Generation;
using LlmLab.IO;
using LlmLab.Models.HuggingFace;
using LlmLab.Tensors;
using LlmLab.Tests.Data;
using LlmLab.Tests.Infrastructure;

namespace LlmLab.Tests.HuggingFace;

/// <summary>
/// A LlamaForCausalLM made by transformers (tests/fixtures/hf/llama-tiny: 2 layers, width 48, 4 query heads
/// sharing 2 key/value heads, SwiGLU, RMSNorm, RoPE, an untied head): logits within 1e-4 of transformers' on every
/// backend, greedy tokens identical to generate()'s, and the folder written back tensor for tensor.
/// </summary>
[Collection("backends")]
public class LlamaCheckpointTests
{
    public static TheoryData<string> Backends => TestBackends.All;

    private static readonly string Folder = Fixtures.Path("hf/llama-tiny");

    [Theory, MemberData(nameof(Backends))]
    public void Logits_match_transformers(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        var model = HfCheckpoint.Load(backend, Folder);
        Assert.IsType<LlamaModel>(model);
        using var expected = Safetensors.Open(Path.Combine(Folder, "expected.safetensors"));
        using var input = expected.ReadTensor(backend, "input_ids");
        using var tape = new Tape(backend, recordGradients: false);
        var logits = model.Forward(tape, new ModelInputs(input)).Data.ToArray<float>();
        AssertClose.Within(expected.ReadFloats("logits").Select(v => (double)v).ToArray(), logits, 1e-4, 0, "Llama logits vs transformers");
    }

    [Fact]
    public void Greedy_tokens_match_generate()
    {
        var model = HfCheckpoint.Load(TestBackends.Get("cpu"), Folder);
        using var expected = Safetensors.Open(Path.Combine(Folder, "expected.safetensors"));
        int[] prompt = expected.ReadInt32("greedy_prompt");
        int[] output = expected.ReadInt32("greedy_output");
        Assert.Equal(output, model.Generate(prompt, new GenerationOptions { MaxNewTokens = output.Length - prompt.Length }));
    }

    [Fact]
    public void Saving_writes_what_transformers_wrote() => SavedCheckpoint.AssertRoundTrip(Folder);

    [Fact]
    public void Rope_theta_is_read_from_the_top_level_as_older_configs_write_it()
    {
        var config = Config();
        config.Remove("rope_parameters");
        config["rope_theta"] = 500000.0;
        Assert.Equal(500000f, LlamaArchitecture.ReadConfig(config).RopeTheta);
        Assert.Equal(10000f, LlamaArchitecture.ReadConfig(Config()).RopeTheta);
    }

    [Fact]
    public void Rope_scaling_it_does_not_implement_is_refused()
    {
        var config = Config();
        config["rope_parameters"] = new JsonObject { ["rope_type"] = "llama3", ["rope_theta"] = 500000.0 };
        var e = Assert.Throws<InvalidDataException>(() => LlamaArchitecture.ReadConfig(config));
        Assert.Contains("RoPE scaling \"llama3\" is not supported", e.Message);
    }

    [Fact]
    public void A_tensor_of_the_wrong_shape_is_named()
    {
        using var folder = new TempFiles();
        File.Copy(Path.Combine(Folder, "config.json"), Path.Combine(folder.Directory, "config.json"));
        var config = Config();
        config["intermediate_size"] = 128;
        folder.Write("config.json", config.ToJsonString());
        File.Copy(Path.Combine(Folder, "model.safetensors"), Path.Combine(folder.Directory, "model.safetensors"));
        var e = Assert.Throws<InvalidDataException>(() => HfCheckpoint.Load(TestBackends.Get("cpu"), folder.Directory));
        Assert.Contains("'model.layers.0.mlp.gate_proj.weight' is [124, 48], config.json implies [128, 48]", e.Message);
    }

    [Fact]
    public void A_sharded_checkpoint_loads_as_the_single_file_does()
    {
        using var folder = new TempFiles();
        File.Copy(Path.Combine(Folder, "config.json"), Path.Combine(folder.Directory, "config.json"));
        using (var original = Safetensors.Open(Path.Combine(Folder, "model.safetensors")))
        {
            var names = original.Names.ToArray();
            var map = new JsonObject();
            for (int shard = 0; shard < 2; shard++)
            {
                string file = $"model-0000{shard + 1}-of-00002.safetensors";
                var writer = new SafetensorsWriter();
                foreach (var name in names.Where((_, i) => i % 2 == shard))
                {
                    writer.Add(name, original.ReadFloats(name), original.Info(name).Shape.ToArray());
                    map[name] = file;
                }
                writer.Save(Path.Combine(folder.Directory, file));
            }
            folder.Write(HfWeights.IndexFile, new JsonObject { ["metadata"] = new JsonObject(), ["weight_map"] = map }.ToJsonString());
        }
        var backend = TestBackends.Get("cpu");
        var single = HfCheckpoint.Load(backend, Folder);
        var sharded = HfCheckpoint.Load(backend, folder.Directory);
        foreach (var ((name, a), (_, b)) in single.Module.NamedParameters().Zip(sharded.Module.NamedParameters()))
            Assert.True(a.Data.ToArray<float>().SequenceEqual(b.Data.ToArray<float>()), name);
    }

    [Fact]
    public void A_shard_that_does_not_hold_what_the_index_claims_is_named()
    {
        using var folder = new TempFiles();
        File.Copy(Path.Combine(Folder, "config.json"), Path.Combine(folder.Directory, "config.json"));
        File.Copy(Path.Combine(Folder, "model.safetensors"), Path.Combine(folder.Directory, "shard-a.safetensors"));
        folder.Write(HfWeights.IndexFile, "{\"weight_map\": {\"lm_head.weight\": \"shard-a.safetensors\", \"extra.weight\": \"shard-a.safetensors\"}}");
        var e = Assert.Throws<InvalidDataException>(() => HfCheckpoint.Load(TestBackends.Get("cpu"), folder.Directory));
        Assert.Contains("'extra.weight' should be in shard-a.safetensors", e.Message);
    }

    private static JsonObject Config() => HfConfig.Read(Path.Combine(Folder, "config.json"));
}
