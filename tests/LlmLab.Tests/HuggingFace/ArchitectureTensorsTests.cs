using System.Text.Json.Nodes;
using LlmLab.Models.HuggingFace;
using LlmLab.Tests.Data;
using LlmLab.Tests.Infrastructure;

namespace LlmLab.Tests.HuggingFace;

/// <summary>
/// What each architecture says a folder holds, from config.json alone (the check inspect and loading share), is
/// exactly what the model writes: every tensor name and shape of its export, for the fixtures and for configs that
/// take the other branches (untied heads, biases, grouped-query attention, gated feed-forward, unequal stacks).
/// </summary>
public class ArchitectureTensorsTests
{
    public static TheoryData<string, string> Configs => new()
    {
        { "gpt2-tiny", "{}" },
        { "llama-tiny", "{}" },
        { "llama-tiny", """{"tie_word_embeddings": true, "attention_bias": true, "mlp_bias": true, "num_key_value_heads": 1}""" },
        { "bert-tiny", "{}" },
        { "bert-tiny", """{"tie_word_embeddings": false, "num_hidden_layers": 3}""" },
        { "t5-tiny", "{}" },
        { "t5-tiny", """{"feed_forward_proj": "gated-gelu", "tie_word_embeddings": false, "num_decoder_layers": 3}""" },
    };

    [Theory, MemberData(nameof(Configs))]
    public void The_tensors_a_config_implies_are_those_the_model_writes(string fixture, string changes)
    {
        var config = HfConfig.Read(Path.Combine(Fixtures.Path($"hf/{fixture}"), "config.json"));
        foreach (var (key, value) in JsonNode.Parse(changes)!.AsObject()) config[key] = value?.DeepClone();
        var model = HfCheckpoint.Create(TestBackends.Get("cpu"), config, seed: 1);
        using var folder = new TempFiles();
        model.Save(folder.Directory);

        var architecture = HfCheckpoint.Architectures.Single(a => a.ModelType == model.ModelType);
        using var weights = HfWeights.Open(folder.Directory);
        Assert.Equal(
            model.ExportTensors().Select(t => $"{t.Name} [{string.Join(", ", t.Shape)}]").Order(StringComparer.Ordinal),
            architecture.Tensors(config)(weights).Select(t => $"{t.Name} [{string.Join(", ", t.Shape)}]").Order(StringComparer.Ordinal));
        HfCheckpoint.Check(folder.Directory);
    }

    [Theory]
    [InlineData("gpt2-tiny")]
    [InlineData("llama-tiny")]
    [InlineData("bert-tiny")]
    [InlineData("t5-tiny")]
    public void The_fixtures_pass_the_check(string fixture) => HfCheckpoint.Check(Fixtures.Path($"hf/{fixture}"));
}
