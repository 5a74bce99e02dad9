using LlmLab.Autograd;
using LlmLab.Generation;
using LlmLab.IO;
using LlmLab.Models.HuggingFace;
using LlmLab.Tensors;
using LlmLab.Tests.Data;
using LlmLab.Tests.Infrastructure;

namespace LlmLab.Tests.HuggingFace;

/// <summary>
/// A GPT2LMHeadModel made by transformers (tests/fixtures/hf/gpt2-tiny: 2 layers, width 48, vocabulary 512,
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
        var model = HfCheckpoint.Load(backend, Folder);
        using var expected = Safetensors.Open(Path.Combine(Folder, "expected.safetensors"));
        long[] ids = expected.ReadInt64("input_ids");
        var shape = expected.Info("input_ids").Shape;
        using var input = Tensor.From(backend, ids.Select(i => (int)i).ToArray(), shape[0], shape[1]);
        using var tape = new Tape(backend, recordGradients: false);
        var logits = model.Forward(tape, new ModelInputs(input)).Data.ToArray<float>();
        AssertClose.Within(expected.ReadFloats("logits").Select(v => (double)v).ToArray(), logits, 1e-4, 0, "GPT-2 logits vs transformers");
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
    public void A_model_type_it_does_not_read_is_named()
    {
        using var folder = new TempFiles();
        folder.Write("config.json", "{\"model_type\": \"mamba\"}");
        var e = Assert.Throws<InvalidDataException>(() => HfCheckpoint.Load(TestBackends.Get("cpu"), folder.Directory));
        Assert.Contains("model_type \"mamba\" is not one LlmLab reads", e.Message);
    }

    [Fact]
    public void Saving_writes_what_transformers_wrote() => SavedCheckpoint.AssertRoundTrip(Folder);

    [Fact]
    public void A_pickle_checkpoint_is_refused_with_the_reason_and_the_way_out()
    {
        using var folder = new TempFiles();
        File.Copy(Path.Combine(Folder, "config.json"), Path.Combine(folder.Directory, "config.json"));
        folder.Write("pytorch_model.bin", "not read");
        var e = Assert.Throws<InvalidDataException>(() => HfCheckpoint.Load(TestBackends.Get("cpu"), folder.Directory));
        Assert.Contains("unpickling a file can run any code", e.Message);
        Assert.Contains("safe_serialization=True", e.Message);
    }
}
