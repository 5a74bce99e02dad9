using LlmLab.Autograd;
using LlmLab.IO;
using LlmLab.Models;
using LlmLab.Nn;
using LlmLab.Tensors;
using LlmLab.Tests.Data;
using LlmLab.Tests.Infrastructure;

namespace LlmLab.Tests.Models;

/// <summary>Saving and loading a GPT in LlmLab's layout (config.json + model.safetensors).</summary>
public class GptFilesTests
{
    [Fact]
    public void A_saved_model_loads_with_the_same_config_and_logits()
    {
        var backend = TestBackends.Get("cpu");
        var config = new GptConfig
        {
            VocabularySize = 11, Context = 8, Layers = 1, Heads = 2, KeyValueHeads = 1, Width = 8, Norm = NormKind.RmsNorm,
            Mlp = MlpKind.SwiGlu, Positions = PositionKind.Rotary, TiedEmbeddings = false, Bias = false,
        };
        var gpt = new Gpt(backend, config, seed: 3);
        using var folder = new TempFiles();
        GptFiles.Save(gpt, folder.Directory);
        var loaded = GptFiles.Load(backend, folder.Directory);
        Assert.Equal(config, loaded.Config);
        using var ids = Tensor.From(backend, new[] { 1, 5, 3 }, 1, 3);
        using var a = new Tape(backend, recordGradients: false);
        using var b = new Tape(backend, recordGradients: false);
        AssertClose.BitIdentical(gpt.Forward(a, ids).Data.ToArray<float>(), loaded.Forward(b, ids).Data.ToArray<float>(), "logits");
        Assert.Contains("\"model_type\": \"llmlab-gpt\"", File.ReadAllText(Path.Combine(folder.Directory, "config.json")));
    }

    [Fact]
    public void A_config_that_does_not_fit_the_weights_is_named()
    {
        var backend = TestBackends.Get("cpu");
        using var folder = new TempFiles();
        GptFiles.Save(new Gpt(backend, new GptConfig { VocabularySize = 11, Context = 8, Layers = 1, Heads = 2, Width = 8 }, 1), folder.Directory);
        string configPath = Path.Combine(folder.Directory, "config.json");
        File.WriteAllText(configPath, File.ReadAllText(configPath).Replace("\"width\": 8", "\"width\": 16"));
        var e = Assert.Throws<InvalidDataException>(() => GptFiles.Load(backend, folder.Directory));
        Assert.Contains("'wte.weight' is F32 [11, 8], the config asks for F32 [11, 16]", e.Message);

        File.WriteAllText(configPath, "{\"model_type\": \"llmlab-gpt\", \"widht\": 8}");
        e = Assert.Throws<InvalidDataException>(() => GptFiles.Load(backend, folder.Directory));
        Assert.Contains("widht", e.Message);
        Assert.Contains(configPath, e.Message);
    }

    [Fact]
    public void Weights_damaged_after_saving_are_refused_by_name()
    {
        var backend = TestBackends.Get("cpu");
        using var folder = new TempFiles();
        GptFiles.Save(new Gpt(backend, new GptConfig { VocabularySize = 11, Context = 8, Layers = 1, Heads = 2, Width = 8 }, 1), folder.Directory);
        string weights = Path.Combine(folder.Directory, GptFiles.WeightsFile);
        Training.CheckpointIntegrityTests.Damage(weights, "flip four low bits");

        var e = Assert.Throws<DamagedFileException>(() => GptFiles.Load(backend, folder.Directory));
        Assert.Contains(weights, e.Message);
        Assert.Contains("SHA-256", e.Message);
    }
}
