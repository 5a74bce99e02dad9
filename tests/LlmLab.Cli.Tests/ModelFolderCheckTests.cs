using System.Text.Json;
using System.Text.Json.Nodes;

namespace LlmLab.Cli.Tests;

/// <summary>
/// A model folder that loading would refuse: <c>inspect</c> says so (it runs loading's checks on config.json and
/// the safetensors headers, without loading a weight) with the reason <c>forward</c> gives, and a config.json that is
/// not UTF-8 is one user error naming the file.
/// </summary>
public class ModelFolderCheckTests
{
    private static readonly string Gpt2 = ModelFixtures.Folder("gpt2-tiny");

    // The gpt2-tiny fixture (width 48, 2 layers, 512 tokens) with config.json changed.
    private static string Broken(TempFolder temp, string key, JsonNode value)
    {
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(Gpt2, "config.json")))!.AsObject();
        config[key] = value;
        File.Copy(Path.Combine(Gpt2, "model.safetensors"), Path.Combine(temp.Path, "model.safetensors"));
        temp.Write("config.json", config.ToJsonString());
        return temp.Path;
    }

    public static TheoryData<string, string, string> Breakages => new()
    {
        { "n_head", "5", "width 48 must be a positive multiple of heads 5" },
        { "vocab_size", "500", "'transformer.wte.weight' is [512, 48], config.json implies [500, 48]" },
        { "n_layer", "3", "'transformer.h.2.ln_1.weight'" },    // the weights have two layers
        { "n_embd", "\"48\"", "\"n_embd\" should be an integer, got \"48\"" },
    };

    [Theory, MemberData(nameof(Breakages))]
    public void Inspect_refuses_what_forward_refuses_and_says_why(string key, string value, string reason)
    {
        using var temp = new TempFolder();
        string folder = Broken(temp, key, JsonNode.Parse(value)!);

        var forward = CliResult.Run("forward", "--model", folder, "--inputs", ModelFixtures.Expected("gpt2-tiny"), "--output", Path.Combine(temp.Path, "out.safetensors"));
        forward.AssertUserError(reason);

        var report = JsonDocument.Parse(CliResult.Run("inspect", folder, "--format", "json").Succeeds().Out).RootElement;
        Assert.False(report.GetProperty("llmlab_reads").GetBoolean());
        string problem = report.GetProperty("llmlab_problem").GetString()!;
        Assert.Contains(reason, problem);
        Assert.Contains(problem, forward.Error);
        var table = CliResult.Run("inspect", folder).Succeeds().Out;
        Assert.Contains("no: ", table);
    }

    [Fact]
    public void Inspect_reads_a_good_folder_without_a_problem()
    {
        var report = JsonDocument.Parse(CliResult.Run("inspect", Gpt2, "--format", "json").Succeeds().Out).RootElement;
        Assert.True(report.GetProperty("llmlab_reads").GetBoolean());
        Assert.False(report.TryGetProperty("llmlab_problem", out _));
    }

    [Fact]
    public void A_config_that_is_not_utf8_is_named()
    {
        using var temp = new TempFolder();
        string folder = Broken(temp, "model_type", "gpt2");
        string config = Path.Combine(folder, "config.json");
        byte[] bytes = File.ReadAllBytes(config);
        int at = Array.IndexOf(bytes, (byte)'g', Array.IndexOf(bytes, (byte)':', System.Text.Encoding.UTF8.GetString(bytes).IndexOf("model_type", StringComparison.Ordinal)));
        bytes[at] = 0xFF;   // "\xFFpt2": not UTF-8
        File.WriteAllBytes(config, bytes);

        CliResult.Run("forward", "--model", folder, "--inputs", ModelFixtures.Expected("gpt2-tiny"), "--output", Path.Combine(temp.Path, "out.safetensors"))
            .AssertUserError($"{config}: not valid UTF-8");
        CliResult.Run("inspect", folder).AssertUserError($"{config}: not valid UTF-8");
    }
}
