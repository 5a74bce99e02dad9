using System.Text.Json;
using LlmLab.Backends;
using LlmLab.Generation;
using LlmLab.IO;
using LlmLab.Models.HuggingFace;
using LlmLab.Peft;

namespace LlmLab.Cli.Tests;

/// <summary>
/// <c>--adapter</c> on forward and generate: a PEFT LoRA adapter (fixtures gpt2-lora-base + gpt2-lora-adapter, made
/// with peft 0.21) applied as PeftModel.from_pretrained applies it: logits within 1e-4 of PEFT's.
/// </summary>
public class AdapterTests
{
    private static readonly string Base = ModelFixtures.Folder("gpt2-lora-base");
    private static readonly string Adapter = ModelFixtures.Folder("gpt2-lora-adapter");
    private static string Expected => Path.Combine(Adapter, "expected.safetensors");

    [Fact]
    public void Forward_with_the_adapter_matches_peft_and_without_it_the_base()
    {
        using var temp = new TempFolder();
        string with = Path.Combine(temp.Path, "with.safetensors"), without = Path.Combine(temp.Path, "without.safetensors");
        var r = CliResult.Run("forward", "--model", Base, "--adapter", Adapter, "--inputs", Expected, "--output", with).Succeeds();
        Assert.Contains("with the LORA adapter", r.Out);
        CliResult.Run("forward", "--model", Base, "--inputs", Expected, "--output", without).Succeeds();

        double adapted = ModelFixtures.MaxAbsDifference(ModelFixtures.ReadLogits(Expected, "logits_with_adapter"), ModelFixtures.ReadLogits(with));
        double plain = ModelFixtures.MaxAbsDifference(ModelFixtures.ReadLogits(Expected, "logits_base"), ModelFixtures.ReadLogits(without));
        Assert.True(adapted <= 1e-4, $"with the adapter: max |logits - peft| = {adapted:E3}");
        Assert.True(plain <= 1e-4, $"base: max |logits - transformers| = {plain:E3}");
        Assert.True(ModelFixtures.MaxAbsDifference(ModelFixtures.ReadLogits(with), ModelFixtures.ReadLogits(without)) > 1e-3, "the adapter changed nothing");
    }

    [Fact]
    public void Generate_with_the_adapter_is_the_adapted_models_generate()
    {
        var r = CliResult.Run("generate", "--model", Base, "--adapter", Adapter, "--prompt-ids", "3,1,4,1,5", "--max-new-tokens", "10", "--format", "json").Succeeds();
        int[] tokens = JsonDocument.Parse(r.Out).RootElement.GetProperty("tokens").EnumerateArray().Select(e => e.GetInt32()).ToArray();

        using var backend = Backend.Create("cpu");
        var model = HfCheckpoint.Load(backend, Base);
        PeftAdapter.Load(model, Adapter);
        Assert.Equal(model.Generate([3, 1, 4, 1, 5], new GenerationOptions { MaxNewTokens = 10 }), tokens);
    }

    [Fact]
    public void Adapter_errors_are_one_line()
    {
        using var temp = new TempFolder();
        string missing = Path.Combine(temp.Path, "nope");
        CliResult.Run("generate", "--model", Base, "--adapter", missing, "--prompt-ids", "1", "--max-new-tokens", "1", "--format", "json")
            .AssertUserError($"{missing}: no such adapter folder");
        CliResult.Run("generate", "--model", Base, "--adapter", Base, "--prompt-ids", "1", "--max-new-tokens", "1", "--format", "json")
            .AssertUserError("no adapter_config.json (is this a PEFT adapter folder?)");
    }
}
