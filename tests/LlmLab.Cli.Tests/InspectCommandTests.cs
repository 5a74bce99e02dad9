using System.Text.Json;
using LlmLab.IO;

namespace LlmLab.Cli.Tests;

/// <summary><c>llmlab inspect</c> on a model folder, a quantised folder and a bare .safetensors file, as table and JSON.</summary>
public class InspectCommandTests
{
    private static readonly string Gpt2 = ModelFixtures.Folder("gpt2-tiny");

    private static JsonElement Json(params string[] args) => JsonDocument.Parse(CliResult.Run(args).Succeeds().Out).RootElement;

    [Fact]
    public void A_folder_lists_its_tensors_parameters_and_config()
    {
        var report = Json("inspect", Gpt2, "--format", "json");
        Assert.Equal("folder", report.GetProperty("kind").GetString());
        Assert.Equal("gpt2", report.GetProperty("model_type").GetString());
        Assert.Equal("GPT2LMHeadModel", report.GetProperty("architecture").GetString());
        Assert.True(report.GetProperty("llmlab_reads").GetBoolean());
        Assert.Equal(28, report.GetProperty("tensor_count").GetInt32());
        // wte 512x48 + wpe 64x48 + 2 blocks of 28,272 + ln_f 96 (the head is tied to wte)
        Assert.Equal(84_288, report.GetProperty("parameter_count").GetInt64());
        var config = report.GetProperty("config");
        Assert.Equal(48, config.GetProperty("n_embd").GetInt32());
        Assert.Equal(2, config.GetProperty("n_layer").GetInt32());
        Assert.Equal(512, config.GetProperty("vocab_size").GetInt32());

        var tensors = report.GetProperty("tensors").EnumerateArray().ToList();
        using var file = Safetensors.Open(Path.Combine(Gpt2, "model.safetensors"));
        Assert.Equal(file.Names, tensors.Select(t => t.GetProperty("name").GetString()));
        var cAttn = tensors.Single(t => t.GetProperty("name").GetString() == "transformer.h.0.attn.c_attn.weight");
        Assert.Equal("F32", cAttn.GetProperty("dtype").GetString());
        Assert.Equal([48, 144], cAttn.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()));
        Assert.Equal(file.Tensors.Sum(t => t.ElementCount), report.GetProperty("parameter_count").GetInt64());
    }

    [Fact]
    public void The_table_shows_the_summary_and_every_tensor()
    {
        var r = CliResult.Run("inspect", ModelFixtures.Folder("llama-tiny")).Succeeds();
        Assert.Contains("LlamaForCausalLM", r.Out);
        Assert.Contains("num_key_value_heads", r.Out);
        Assert.Contains("model.layers.1.self_attn.k_proj.weight", r.Out);
        Assert.DoesNotContain("\u001b[", r.Out);
        using var file = Safetensors.Open(Path.Combine(ModelFixtures.Folder("llama-tiny"), "model.safetensors"));
        Assert.Matches($@"\n\s*parameters\s+{file.Tensors.Sum(t => t.ElementCount).ToString("N0", System.Globalization.CultureInfo.InvariantCulture)}\s", r.Out);
        Assert.Matches($@"\n\s*tensors\s+{file.Tensors.Count}\s", r.Out);
    }

    [Fact]
    public void A_safetensors_file_lists_its_tensors()
    {
        var report = Json("inspect", ModelFixtures.Expected("gpt2-tiny"), "--format=json");
        Assert.Equal("file", report.GetProperty("kind").GetString());
        Assert.False(report.TryGetProperty("model_type", out _));
        var names = report.GetProperty("tensors").EnumerateArray().Select(t => t.GetProperty("name").GetString()).ToList();
        Assert.Equal(["greedy_output", "greedy_prompt", "input_ids", "logits"], names);
        Assert.Equal(24 + 8 + 48 + 2 * 24 * 512, report.GetProperty("parameter_count").GetInt64());
    }

    [Fact]
    public void A_quantised_folder_counts_the_parameters_its_blocks_stand_for()
    {
        using var temp = new TempFolder();
        foreach (string format in new[] { "int8", "q4_0" })
        {
            string folder = Path.Combine(temp.Path, format);
            CliResult.Run("quantize", "--model", Gpt2, "--format", format, "--output", folder).Succeeds();
            var report = Json("inspect", folder, "--format", "json");
            Assert.Equal(format, report.GetProperty("quantization").GetString());
            Assert.Equal(84_288, report.GetProperty("parameter_count").GetInt64()); // q, k, v split from c_attn: the same count
            Assert.Equal(format == "int8" ? 48 : 36, report.GetProperty("tensor_count").GetInt32());
        }
    }
}
