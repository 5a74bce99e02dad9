using LlmLab.Autograd;
using LlmLab.Generation;
using LlmLab.IO;
using LlmLab.Models.HuggingFace;
using LlmLab.Tensors;
using LlmLab.Tests.Data;
using LlmLab.Tests.Infrastructure;

namespace LlmLab.Tests.HuggingFace;

/// <summary>
/// A GPT2LMHeadModel made by transformers (../shared/fixtures/hf/gpt2-tiny: 2 layers, width 48, vocabulary 512,
/// random weights) loaded into LlmLab's Gpt: logits within 1e-4 of transformers' on every backend, greedy tokens
/// identical to generate()'s.
/// </summary>
[Collection("backends")]
public class Gpt2CheckpointTests
{
    public static TheoryData<string> Backends => TestBackends.All;

    private static readonly string Folder = Fixtures.Path("hf/gpt2-tiny");

    [Theory, MemberData(nameof(Backends))]
    public void Logits_match_transformers(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        var gpt = Gpt2Checkpoint.Load(backend, Folder);
        using var expected = Safetensors.Open(Path.Combine(Folder, "expected.safetensors"));
        long[] ids = expected.ReadInt64("input_ids");
        var shape = expected.Info("input_ids").Shape;
        using var input = Tensor.From(backend, ids.Select(i => (int)i).ToArray(), shape[0], shape[1]);
        using var tape = new Tape(backend, recordGradients: false);
        var logits = gpt.Forward(tape, input).Data.ToArray<float>();
        AssertClose.Within(expected.ReadFloats("logits").Select(v => (double)v).ToArray(), logits, 1e-4, 0, "GPT-2 logits vs transformers");
    }

    [Fact]
    public void Greedy_tokens_match_generate()
    {
        var gpt = Gpt2Checkpoint.Load(TestBackends.Get("cpu"), Folder);
        using var expected = Safetensors.Open(Path.Combine(Folder, "expected.safetensors"));
        int[] prompt = expected.ReadInt64("greedy_prompt").Select(i => (int)i).ToArray();
        int[] output = expected.ReadInt64("greedy_output").Select(i => (int)i).ToArray();
        var generated = Generator.Generate(gpt, [prompt], new GenerationOptions { MaxNewTokens = output.Length - prompt.Length, StopTokens = [1] })[0];
        Assert.Equal(output, prompt.Concat(generated).ToArray());
    }

    [Fact]
    public void A_config_of_another_kind_is_named()
    {
        using var folder = new TempFiles();
        folder.Write("config.json", "{\"model_type\": \"llama\"}");
        var e = Assert.Throws<InvalidDataException>(() => Gpt2Checkpoint.Load(TestBackends.Get("cpu"), folder.Directory));
        Assert.Contains("model_type is \"llama\", not \"gpt2\"", e.Message);
        Assert.Contains("config.json", e.Message);
    }

    [Fact]
    public void A_pickle_checkpoint_is_refused_with_the_reason_and_the_way_out()
    {
        using var folder = new TempFiles();
        File.Copy(Path.Combine(Folder, "config.json"), Path.Combine(folder.Directory, "config.json"));
        folder.Write("pytorch_model.bin", "not read");
        var e = Assert.Throws<InvalidDataException>(() => Gpt2Checkpoint.Load(TestBackends.Get("cpu"), folder.Directory));
        Assert.Contains("unpickling a file can run any code", e.Message);
        Assert.Contains("safe_serialization=True", e.Message);
    }
}
