using System.Text.Json.Nodes;
using LlmLab.Autograd;
using LlmLab.Backends;
using LlmLab.IO;
using LlmLab.Models.HuggingFace;
using LlmLab.Peft;
using LlmLab.Tensors;
using LlmLab.Tests.Data;
using LlmLab.Tests.Infrastructure;
using Xunit.Abstractions;

namespace LlmLab.Tests.Peft;

/// <summary>
/// A PEFT LoRA adapter made by peft 0.21 (tests/fixtures/hf/gpt2-lora-adapter: r 4, alpha 8, c_attn and c_fc of
/// a 2-layer GPT-2, fan_in_fan_out, B non-zero) on its base model: logits with the adapter, merged and unmerged,
/// within 1e-4 of PEFT's on every backend; save and reload; q/k/v with different A's saved as one stacked c_attn;
/// rsLoRA's scale; bad adapter configs named.
/// </summary>
[Collection("backends")]
public class PeftAdapterTests(ITestOutputHelper output)
{
    public static TheoryData<string> Backends => TestBackends.All;

    private static readonly string BaseFolder = Fixtures.Path("hf/gpt2-lora-base");
    private static readonly string AdapterFolder = Fixtures.Path("hf/gpt2-lora-adapter");

    private static float[] Expected(string name)
    {
        using var expected = Safetensors.Open(Path.Combine(AdapterFolder, "expected.safetensors"));
        return expected.ReadFloats(name);
    }

    private static float[] Logits(HfModel model)
    {
        using var expected = Safetensors.Open(Path.Combine(AdapterFolder, "expected.safetensors"));
        var shape = expected.Info("input_ids").Shape;
        using var input = Tensor.From(model.Backend, expected.ReadInt64("input_ids").Select(i => (int)i).ToArray(), shape[0], shape[1]);
        using var tape = new Tape(model.Backend, recordGradients: false);
        return model.Forward(tape, new ModelInputs(input)).Data.ToArray<float>();
    }

    private void Close(float[] expected, float[] actual, double tolerance, string what)
    {
        double max = expected.Zip(actual, (e, a) => Math.Abs((double)e - a)).Max();
        output.WriteLine($"{what}: max |difference| {max:E2}");
        AssertClose.Within(expected, actual, tolerance, 0, what);
    }

    private static HfModel LoadWithAdapter(IBackend backend, string adapterFolder)
    {
        var model = HfCheckpoint.Load(backend, BaseFolder);
        PeftAdapter.Load(model, adapterFolder);
        return model;
    }

    [Theory, MemberData(nameof(Backends))]
    public void Logits_with_the_adapter_match_peft(string backendName)
    {
        var model = HfCheckpoint.Load(TestBackends.Get(backendName), BaseFolder);
        Close(Expected("logits_base"), Logits(model), 1e-4, $"{backendName} base logits vs PEFT (adapter off)");
        var info = PeftAdapter.Load(model, AdapterFolder);
        Assert.Equal(["transformer.h.0.attn.c_attn", "transformer.h.0.mlp.c_fc", "transformer.h.1.attn.c_attn", "transformer.h.1.mlp.c_fc"], info.Modules.Order());
        Assert.Equal(2f, info.Config.ScaleOf("transformer.h.0.attn.c_attn"));
        Close(Expected("logits_with_adapter"), Logits(model), 1e-4, $"{backendName} logits with the adapter vs PEFT");

        // Only A and B train: r (in + out) per adapted LlmLab layer, 3 per c_attn (q, k, v) and 1 per c_fc.
        var trainable = model.Module.NamedParameters().Where(p => p.Parameter.RequiresGrad).Select(p => p.Name).ToList();
        Assert.Equal(2 * 4 * 2, trainable.Count);
        Assert.All(trainable, name => Assert.Matches(@"\.lora_[AB]\.weight$", name));
        Assert.Equal(2 * (3 * 4 * (48 + 48) + 4 * (48 + 192)), model.Module.ParameterCount(trainableOnly: true));
    }

    [Theory, MemberData(nameof(Backends))]
    public void Merged_logits_match_and_unmerging_gives_the_base_weights_back(string backendName)
    {
        var model = LoadWithAdapter(TestBackends.Get(backendName), AdapterFolder);
        Assert.Equal(8, Lora.Merge(model.Module));
        Close(Expected("logits_with_adapter"), Logits(model), 1e-4, $"{backendName} merged logits vs PEFT");
        Lora.Unmerge(model.Module);
        Close(Expected("logits_with_adapter"), Logits(model), 1e-4, $"{backendName} unmerged logits vs PEFT");
        // Unloading the adapter (PEFT's unload) leaves the unmerged base weights: the base model's logits.
        foreach (var (_, layer) in Lora.Adapted(model.Module)) layer.DetachLora();
        Close(Expected("logits_base"), Logits(model), 1e-4, $"{backendName} logits after unmerge + unload vs PEFT's base");
    }

    [Fact]
    public void Saving_writes_what_peft_wrote_and_loads_back_to_the_same_logits()
    {
        var cpu = TestBackends.Get("cpu");
        var model = LoadWithAdapter(cpu, AdapterFolder);
        float[] before = Logits(model);
        using var folder = new TempFiles();
        PeftAdapter.Save(model, folder.Directory);

        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(folder.Directory, "adapter_config.json")))!.AsObject();
        Assert.Equal("LORA", (string?)config["peft_type"]);
        Assert.Equal(4, (int?)config["r"]);
        Assert.Equal(8f, (float?)config["lora_alpha"]);
        Assert.Equal(["c_attn", "c_fc"], config["target_modules"]!.AsArray().Select(n => (string?)n).Order());
        Assert.True((bool?)config["fan_in_fan_out"]);
        Assert.Equal("GPT2LMHeadModel", (string?)config["auto_mapping"]!["base_model_class"]);
        Assert.Empty(config["rank_pattern"]!.AsObject());
        using (var original = Safetensors.Open(Path.Combine(AdapterFolder, PeftAdapter.WeightsFile)))
        using (var saved = Safetensors.Open(Path.Combine(folder.Directory, PeftAdapter.WeightsFile)))
        {
            Assert.Equal(original.Names.Order(), saved.Names.Order());
            foreach (string name in original.Names)
            {
                Assert.Equal(original.Info(name).Shape, saved.Info(name).Shape);
                Assert.Equal(original.ReadFloats(name), saved.ReadFloats(name));
            }
        }
        AssertClose.BitIdentical(before, Logits(LoadWithAdapter(cpu, folder.Directory)), "logits after save and reload");
    }

    [Fact]
    public void Different_a_for_q_k_and_v_are_saved_as_one_stacked_c_attn_with_the_same_outputs()
    {
        var cpu = TestBackends.Get("cpu");
        var model = HfCheckpoint.Load(cpu, BaseFolder);
        // q: rank 2, scale 2; v: rank 3, scale 1 (its B is rescaled into the module's scale); k: none; c_fc: rank 4.
        Lora.Apply(model.Module, new LoraConfig { Rank = 2, Alpha = 4, TargetModules = ["q_proj"] }, seed: 1);
        Lora.Apply(model.Module, new LoraConfig { Rank = 3, Alpha = 3, TargetModules = ["v_proj"] }, seed: 2);
        Lora.Apply(model.Module, new LoraConfig { Rank = 4, Alpha = 8, TargetModules = ["c_fc"] }, seed: 3);
        int seed = 10;
        foreach (var (name, layer) in Lora.Adapted(model.Module))
        {
            float[] b = TestData.Normal(seed++, layer.OutFeatures * layer.LoraRank, 0.2f);
            layer.DetachLora();
            var fresh = TestData.Uniform(seed++, layer.InFeatures * (name.Contains("q_proj") ? 2 : name.Contains("v_proj") ? 3 : 4), 0.2f);
            int rank = fresh.Length / layer.InFeatures;
            layer.AttachLora(fresh, b, rank, name.Contains("v_proj") ? 1f : 2f);
        }
        float[] before = Logits(model);
        Assert.True(Expected("logits_base").Zip(before, (e, a) => Math.Abs(e - a)).Max() > 1e-2); // the adapters matter
        using var folder = new TempFiles();
        PeftAdapter.Save(model, folder.Directory);

        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(folder.Directory, "adapter_config.json")))!.AsObject();
        Assert.Equal(5, (int?)config["r"]); // c_attn: 2 + 3 (k has no adapter: zero rows of B)
        Assert.Equal(10f, (float?)config["lora_alpha"]); // scale 2 = 10 / 5
        Assert.Equal(4, (int?)config["rank_pattern"]![@"transformer\.h\.0\.mlp\.c_fc"]);
        Assert.Equal(8f, (float?)config["alpha_pattern"]![@"transformer\.h\.1\.mlp\.c_fc"]);
        using (var saved = Safetensors.Open(Path.Combine(folder.Directory, PeftAdapter.WeightsFile)))
        {
            Assert.Equal([5, 48], saved.Info("base_model.model.transformer.h.0.attn.c_attn.lora_A.weight").Shape);
            float[] b = saved.ReadFloats("base_model.model.transformer.h.0.attn.c_attn.lora_B.weight");
            Assert.Equal(144 * 5, b.Length);
            for (int row = 0; row < 144; row++)
                for (int j = 0; j < 5; j++)
                    if (row >= 48 && row < 96 || (row < 48) != (j < 2)) Assert.Equal(0f, b[row * 5 + j]); // block-diagonal, k rows zero
        }
        var reloaded = LoadWithAdapter(cpu, folder.Directory);
        Assert.Equal(5, reloaded.LinearModules["transformer.h.0.attn.c_attn"][1].Layer.LoraRank);
        Close(before, Logits(reloaded), 1e-5, "stacked c_attn after save and reload vs before");
    }

    [Fact]
    public void Rs_lora_scales_by_alpha_over_the_square_root_of_r()
    {
        var cpu = TestBackends.Get("cpu");
        using var rs = CopyAdapter(config => config["use_rslora"] = true); // 8 / √4 = 4
        using var plain = CopyAdapter(config => config["lora_alpha"] = 16); // 16 / 4 = 4
        var model = LoadWithAdapter(cpu, rs.Directory);
        Assert.All(Lora.Adapted(model.Module), l => Assert.Equal(4f, l.Layer.LoraScale));
        float[] logits = Logits(model);
        AssertClose.BitIdentical(Logits(LoadWithAdapter(cpu, plain.Directory)), logits, "rsLoRA alpha 8 vs LoRA alpha 16 at r 4");
        Assert.True(Expected("logits_with_adapter").Zip(logits, (e, a) => Math.Abs(e - a)).Max() > 1e-3); // not PEFT's (scale 2)

        using var saved = new TempFiles();
        PeftAdapter.Save(model, saved.Directory, useRsLora: true);
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(saved.Directory, "adapter_config.json")))!;
        Assert.True((bool?)config["use_rslora"]);
        Assert.Equal(8f, (float?)config["lora_alpha"]);
    }

    [Theory]
    [InlineData("peft_type", "\"IA3\"", "\"peft_type\" must be \"LORA\"")]
    [InlineData("bias", "\"lora_only\"", "\"bias\" must be \"none\"")]
    [InlineData("use_dora", "true", "\"use_dora\" must be false")]
    [InlineData("r", "0", "\"r\" must be a whole number >= 1")]
    [InlineData("lora_alpha", "\"8\"", "\"lora_alpha\" must be a positive number")]
    [InlineData("layers_to_transform", "[0]", "\"layers_to_transform\" must be null")]
    [InlineData("target_modules", "[\"q_proj\"]", "target_modules [q_proj] match none of GPT2LMHeadModel's linear modules (c_attn, c_proj, c_fc")]
    [InlineData("target_modules", "\".*\\\\.c_attn\"", "'base_model.model.transformer.h.0.mlp.c_fc.lora_A.weight' (and 3 more) is for no module")]
    [InlineData("r", "8", "'base_model.model.transformer.h.0.attn.c_attn.lora_A.weight' is [4, 48], the model and r imply [8, 48]")]
    public void A_bad_adapter_config_is_named(string key, string json, string message)
    {
        using var folder = CopyAdapter(config => config[key] = JsonNode.Parse(json));
        var model = HfCheckpoint.Load(TestBackends.Get("cpu"), BaseFolder);
        var e = Assert.Throws<InvalidDataException>(() => PeftAdapter.Load(model, folder.Directory));
        Assert.Contains(message, e.Message);
        Assert.Empty(Lora.Adapted(model.Module)); // nothing attached when the adapter is refused
        Assert.All(model.Module.NamedParameters(), p => Assert.True(p.Parameter.RequiresGrad));
    }

    [Fact]
    public void A_regex_target_selects_by_full_match()
    {
        using var folder = CopyAdapter(config => config["target_modules"] = @"transformer\.h\.\d+\.(attn\.c_attn|mlp\.c_fc)");
        var model = LoadWithAdapter(TestBackends.Get("cpu"), folder.Directory);
        Close(Expected("logits_with_adapter"), Logits(model), 1e-4, "regex target_modules");
    }

    /// <summary>The fixture adapter in a temporary folder, its adapter_config.json edited.</summary>
    private static TempFiles CopyAdapter(Action<JsonObject> edit)
    {
        var folder = new TempFiles();
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(AdapterFolder, "adapter_config.json")))!.AsObject();
        edit(config);
        folder.Write("adapter_config.json", config.ToJsonString());
        File.Copy(Path.Combine(AdapterFolder, PeftAdapter.WeightsFile), Path.Combine(folder.Directory, PeftAdapter.WeightsFile));
        return folder;
    }
}
