using LlmLab.IO;

namespace LlmLab.Cli.Tests;

/// <summary>
/// <c>llmlab forward</c> against transformers' logits (fixtures made with transformers 5.17): within 1e-4 max abs on
/// cpu for every architecture LlmLab reads (bert-tiny's inputs carry an attention_mask with padding, t5-tiny's
/// decoder_input_ids), and on
/// ilgpu-cpu for GPT-2; the output file holds exactly "logits".
/// </summary>
public class ForwardCommandTests
{
    public static TheoryData<string> Models => new() { "gpt2-tiny", "llama-tiny", "bert-tiny", "t5-tiny" };

    [Theory, MemberData(nameof(Models))]
    public void Logits_match_transformers(string model)
    {
        using var temp = new TempFolder();
        string output = Path.Combine(temp.Path, "logits.safetensors");
        var r = CliResult.Run("forward", "--model", ModelFixtures.Folder(model), "--inputs", ModelFixtures.Expected(model), "--output", output).Succeeds();
        using var file = Safetensors.Open(output);
        using var expected = Safetensors.Open(ModelFixtures.Expected(model));
        int[] shape = expected.Info("logits").Shape;
        Assert.Contains($"logits [{string.Join(", ", shape)}]", r.Out);
        Assert.Equal(["logits"], file.Names);
        Assert.Equal(SafetensorsDType.F32, file.Info("logits").DType);
        Assert.Equal(shape, file.Info("logits").Shape);
        double difference = ModelFixtures.MaxAbsDifference(ModelFixtures.ReadLogits(ModelFixtures.Expected(model)), file.ReadFloats("logits"));
        Assert.True(difference <= 1e-4, $"{model}: max |logits - transformers| = {difference:E3}");
    }

    [Fact]
    public void Logits_match_transformers_on_ilgpu_cpu()
    {
        using var temp = new TempFolder();
        string output = Path.Combine(temp.Path, "logits.safetensors");
        var r = CliResult.Run("forward", "--model", ModelFixtures.Folder("gpt2-tiny"), "--inputs", ModelFixtures.Expected("gpt2-tiny"),
            "--output", output, "--backend", "ilgpu-cpu").Succeeds();
        Assert.Contains("on ilgpu-cpu", r.Out);
        double difference = ModelFixtures.MaxAbsDifference(ModelFixtures.ReadLogits(ModelFixtures.Expected("gpt2-tiny")), ModelFixtures.ReadLogits(output));
        Assert.True(difference <= 1e-4, $"max |logits - transformers| = {difference:E3}");
    }

    [Fact]
    public void An_all_ones_attention_mask_is_read_and_changes_nothing()
    {
        using var temp = new TempFolder();
        using var expected = Safetensors.Open(ModelFixtures.Expected("gpt2-tiny"));
        long[] ids = expected.ReadInt64("input_ids");
        string inputs = Path.Combine(temp.Path, "inputs.safetensors");
        new SafetensorsWriter().Add("input_ids", ids, 2, 24).Add("attention_mask", Enumerable.Repeat(1L, ids.Length).ToArray(), 2, 24).Save(inputs);
        string output = Path.Combine(temp.Path, "logits.safetensors");
        CliResult.Run("forward", "--model", ModelFixtures.Folder("gpt2-tiny"), "--inputs", inputs, "--output", output).Succeeds();
        Assert.True(ModelFixtures.MaxAbsDifference(expected.ReadFloats("logits"), ModelFixtures.ReadLogits(output)) <= 1e-4);
    }
}
