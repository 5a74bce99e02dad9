using LlmLab.Autograd;
using LlmLab.Backends;
using LlmLab.Generation;
using LlmLab.IO;
using LlmLab.Models;
using LlmLab.Models.HuggingFace;
using LlmLab.Tensors;
using LlmLab.Tests.Data;
using LlmLab.Tests.Infrastructure;
using Xunit.Abstractions;

namespace LlmLab.Tests.HuggingFace;

/// <summary>
/// A T5ForConditionalGeneration made by transformers (tests/fixtures/hf/t5-tiny: 2 + 2 layers, width 48, 4 heads
/// of 16, relu feed-forward, tied head with scaled decoder outputs, vocabulary 512, random weights) loaded into
/// LlmLab's T5: logits within 1e-4 of transformers' on every backend, through the differentiable attention
/// (training tapes) and the fused kernel (inference tapes); greedy tokens identical to generate()'s.
/// </summary>
[Collection("backends")]
public class T5CheckpointTests(ITestOutputHelper output)
{
    public static TheoryData<string, bool> BackendsAndTapes => new()
    {
        { "cpu", true }, { "cpu", false }, { "ilgpu-cpu", true }, { "ilgpu-cpu", false },
    };

    private static readonly string Folder = Fixtures.Path("hf/t5-tiny");

    [Theory, MemberData(nameof(BackendsAndTapes))]
    public void Logits_match_transformers(string backendName, bool recordGradients)
    {
        var backend = TestBackends.Get(backendName);
        var model = HfCheckpoint.Load(backend, Folder);
        Assert.Equal(ModelFamily.EncoderDecoder, model.Family);
        using var expected = Safetensors.Open(Path.Combine(Folder, "expected.safetensors"));
        using var input = Ids(backend, expected, "input_ids");
        using var decoderInput = Ids(backend, expected, "decoder_input_ids");
        using var tape = new Tape(backend, recordGradients);
        var logits = model.Forward(tape, new ModelInputs(input, DecoderInputIds: decoderInput)).Data.ToArray<float>();
        var reference = expected.ReadFloats("logits");
        output.WriteLine($"{backendName} ({(recordGradients ? "differentiable" : "fused")} attention): max |logits - transformers| = {MaxDifference(reference, logits):E2}");
        AssertClose.Within(reference, logits, 1e-4, 0, "T5 logits vs transformers");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Greedy_tokens_match_generate(bool useKvCache)
    {
        var model = HfCheckpoint.Load(TestBackends.Get("cpu"), Folder);
        using var expected = Safetensors.Open(Path.Combine(Folder, "expected.safetensors"));
        var prompt = expected.ReadInt64("input_ids")[..expected.Info("input_ids").Shape[1]].Select(i => (int)i).ToArray();
        var greedy = expected.ReadInt64("greedy_output").Select(i => (int)i).ToArray();
        var streamed = new List<int>();
        var tokens = model.Generate(prompt, new GenerationOptions { MaxNewTokens = 12, UseKvCache = useKvCache }, streamed.Add);
        Assert.Equal(0, greedy[0]);
        Assert.Equal(greedy, tokens);
        Assert.Equal(greedy[1..], streamed);
    }

    [Fact]
    public void Generation_stops_after_a_stop_token_and_keeps_it()
    {
        var model = HfCheckpoint.Load(TestBackends.Get("cpu"), Folder);
        using var expected = Safetensors.Open(Path.Combine(Folder, "expected.safetensors"));
        var prompt = expected.ReadInt64("input_ids")[..expected.Info("input_ids").Shape[1]].Select(i => (int)i).ToArray();
        var greedy = expected.ReadInt64("greedy_output").Select(i => (int)i).ToArray();
        int stop = greedy[4];
        int first = Array.IndexOf(greedy, stop, 1);
        var tokens = model.Generate(prompt, new GenerationOptions { MaxNewTokens = 12, StopTokens = [stop] });
        Assert.Equal(greedy[..(first + 1)], tokens);
    }

    [Fact]
    public void Sampled_generation_is_the_same_with_and_without_the_cache_and_fixed_by_the_seed()
    {
        var model = HfCheckpoint.Load(TestBackends.Get("cpu"), Folder);
        int[] prompt = [5, 17, 300, 42, 8, 1];
        var sampling = new SamplingOptions { Temperature = 1.5f, TopK = 50 };
        int[] Run(bool cache, ulong seed) =>
            model.Generate(prompt, new GenerationOptions { MaxNewTokens = 10, Sampling = sampling, Seed = seed, UseKvCache = cache, StopTokens = [] });
        var cached = Run(true, 7);
        Assert.Equal(cached, Run(false, 7));
        Assert.Equal(cached, Run(true, 7));
        Assert.NotEqual(cached, Run(true, 8));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Padded_positions_change_nothing(bool recordGradients)
    {
        // Row 0 is 24 real tokens; row 1 is its first 17 followed by 7 padding positions that the mask hides: row 1's
        // logits must equal those of the 17 tokens alone (padding sits after every real position, so relative
        // positions are unchanged).
        var backend = TestBackends.Get("cpu");
        var model = (T5Model)HfCheckpoint.Load(backend, Folder);
        using var expected = Safetensors.Open(Path.Combine(Folder, "expected.safetensors"));
        var ids = expected.ReadInt64("input_ids")[..24].Select(i => (int)i).ToArray();
        var decoderIds = expected.ReadInt64("decoder_input_ids")[..10].Select(i => (int)i).ToArray();
        int real = 17;
        var padded = ids.Concat(ids[..real]).Concat(Enumerable.Repeat(0, 24 - real)).ToArray();
        var mask = Enumerable.Repeat(1L, 24 + real).Concat(Enumerable.Repeat(0L, 24 - real)).ToArray();
        using var paddedIds = Tensor.From(backend, padded, 2, 24);
        using var maskTensor = Tensor.From(backend, mask, 2, 24);
        using var decoder2 = Tensor.From(backend, decoderIds.Concat(decoderIds).ToArray(), 2, 10);
        using var shortIds = Tensor.From(backend, ids[..real], 1, real);
        using var decoder1 = Tensor.From(backend, decoderIds, 1, 10);
        using var tape = new Tape(backend, recordGradients);
        var both = model.Forward(tape, new ModelInputs(paddedIds, maskTensor, decoder2)).Data.ToArray<float>();
        var alone = model.Forward(tape, new ModelInputs(shortIds, null, decoder1)).Data.ToArray<float>();
        AssertClose.Within(alone, both[(both.Length / 2)..], 1e-5, 0, "padded row vs the same tokens unpadded");
    }

    [Fact]
    public void Saving_writes_what_transformers_wrote() => SavedCheckpoint.AssertRoundTrip(Folder);

    [Fact]
    public void Linear_modules_carry_transformers_names()
    {
        var model = HfCheckpoint.Load(TestBackends.Get("cpu"), Folder);
        var modules = model.LinearModules;
        // 4 attention projections per attention, 2 feed-forward ones per block: 2 x (4 + 2) + 2 x (8 + 2).
        Assert.Equal(32, modules.Count);
        Assert.Contains("encoder.block.1.layer.0.SelfAttention.q", modules.Keys);
        Assert.Contains("decoder.block.0.layer.1.EncDecAttention.v", modules.Keys);
        Assert.Contains("decoder.block.1.layer.2.DenseReluDense.wo", modules.Keys);
        var t5 = ((T5Model)model).T5;
        Assert.Same(t5.Decoder.Blocks[0].CrossAttention!.Layer.Value, modules["decoder.block.0.layer.1.EncDecAttention.v"][0].Layer);
    }

    [Fact]
    public void Decoder_inputs_are_required()
    {
        var backend = TestBackends.Get("cpu");
        var model = HfCheckpoint.Load(backend, Folder);
        using var ids = Tensor.From(backend, new[] { 1, 2, 3 }, 1, 3);
        using var tape = new Tape(backend, recordGradients: false);
        var e = Assert.Throws<ArgumentException>(() => model.Forward(tape, new ModelInputs(ids)));
        Assert.Contains("decoder_input_ids", e.Message);
    }

    [Fact]
    public void An_unsupported_feed_forward_is_named()
    {
        using var folder = new TempFiles();
        var config = HfConfig.Read(Path.Combine(Folder, "config.json"));
        config["feed_forward_proj"] = "gated-tanh";
        folder.Write("config.json", config.ToJsonString());
        var e = Assert.Throws<InvalidDataException>(() => HfCheckpoint.Load(TestBackends.Get("cpu"), folder.Directory));
        Assert.Contains("feed_forward_proj \"gated-tanh\"", e.Message);
    }

    [Fact]
    public void A_checkpoint_of_another_shape_names_the_tensor()
    {
        using var folder = new TempFiles();
        var config = HfConfig.Read(Path.Combine(Folder, "config.json"));
        config["d_ff"] = 96;
        folder.Write("config.json", config.ToJsonString());
        File.Copy(Path.Combine(Folder, "model.safetensors"), Path.Combine(folder.Directory, "model.safetensors"));
        var e = Assert.Throws<InvalidDataException>(() => HfCheckpoint.Load(TestBackends.Get("cpu"), folder.Directory));
        Assert.Contains("encoder.block.0.layer.1.DenseReluDense.wi.weight", e.Message);
        Assert.Contains("[128, 48]", e.Message);
    }

    private static Tensor Ids(IBackend backend, Safetensors file, string name)
    {
        var shape = file.Info(name).Shape;
        return Tensor.From(backend, file.ReadInt64(name).Select(i => (int)i).ToArray(), shape[0], shape[1]);
    }

    private static double MaxDifference(float[] expected, float[] actual) =>
        expected.Zip(actual, (e, a) => Math.Abs((double)e - a)).Max();
}
