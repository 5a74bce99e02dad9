using System.Text.Json.Nodes;
using LlmLab.Autograd;
using LlmLab.Backends;
using LlmLab.Backends.Cpu;
using LlmLab.Generation;
using LlmLab.IO;
using LlmLab.Models.HuggingFace;
using LlmLab.Nn;
using LlmLab.Peft;
using LlmLab.Quantization;
using LlmLab.Tensors;
using LlmLab.Tests.Data;
using LlmLab.Tests.Infrastructure;
using LlmLab.Training;

namespace LlmLab.Tests.HuggingFace;

/// <summary>
/// Quantised folders with the token embedding quantised too (and so a head tied to it): what is saved loads back to
/// bit-identical logits, on prefill rows and on decode rows (integer dots), for a tied GPT-2, an untied Llama, BERT's
/// biased tied head and T5's shared table.
/// </summary>
public class QuantizedCheckpointTests
{
    private static readonly IBackend Cpu = TestBackends.Get("cpu");

    public static TheoryData<string> Formats => new() { "int8", "q8_0", "q4_0" };

    /// <summary>A random GPT-2 64 wide, so every layer and the embedding fill Q8_0/Q4_0 blocks.</summary>
    internal static HfModel RandomGpt2(IBackend backend, ulong seed = 7) => HfCheckpoint.Create(backend, new JsonObject
    {
        ["model_type"] = "gpt2", ["architectures"] = new JsonArray("GPT2LMHeadModel"), ["vocab_size"] = 96, ["n_positions"] = 32,
        ["n_embd"] = 64, ["n_layer"] = 2, ["n_head"] = 4, ["eos_token_id"] = 1,
    }, seed);

    private static HfModel RandomLlama(IBackend backend) => HfCheckpoint.Create(backend, new JsonObject
    {
        ["model_type"] = "llama", ["architectures"] = new JsonArray("LlamaForCausalLM"), ["vocab_size"] = 80, ["hidden_size"] = 64,
        ["intermediate_size"] = 96, ["num_hidden_layers"] = 2, ["num_attention_heads"] = 4, ["num_key_value_heads"] = 2,
        ["max_position_embeddings"] = 32, ["tie_word_embeddings"] = false, ["eos_token_id"] = 2,
    }, seed: 3);

    [Theory, MemberData(nameof(Formats))]
    public void A_gpt2_with_its_head_quantised_loads_back_bit_identical(string format)
    {
        var model = RandomGpt2(Cpu);
        var layers = QuantizedCheckpoint.Quantize(model, WeightFormats.Parse(format), tokenEmbedding: true);
        Assert.Equal(["wte"], layers.Embeddings);
        Assert.Empty(layers.KeptF32);
        using var temp = new TempFiles();
        QuantizedCheckpoint.Save(model, temp.Directory);

        var config = HfConfig.Read(Path.Combine(temp.Directory, "config.json"));
        Assert.Equal(["wte"], config["quantization_config"]!["quantized_embeddings"]!.AsArray().Select(n => n!.GetValue<string>()));
        using (var file = Safetensors.Open(Path.Combine(temp.Directory, "model.safetensors")))
        {
            Assert.Equal(format == "int8" ? SafetensorsDType.I8 : SafetensorsDType.U8, file.Info("wte.weight").DType);
            Assert.Equal(format == "int8", file.Contains("wte.weight_scale"));
            Assert.Equal(SafetensorsDType.F32, file.Info("wpe.weight").DType);
        }

        var loaded = HfCheckpoint.Load(Cpu, temp.Directory);
        Assert.Equal(WeightFormats.Parse(format), loaded.TokenEmbedding.Format);
        Assert.Equal(model.TokenEmbedding.QuantizedWeight!.Blocks?.ToBytes() ?? model.TokenEmbedding.QuantizedWeight.Int8!.Values.ToBytes(),
            loaded.TokenEmbedding.QuantizedWeight!.Blocks?.ToBytes() ?? loaded.TokenEmbedding.QuantizedWeight.Int8!.Values.ToBytes());
        AssertSameLogits(model, loaded, 96, format);
        var options = new GenerationOptions { MaxNewTokens = 6, StopTokens = [] };
        Assert.Equal(model.Generate([5, 9, 2], options), loaded.Generate([5, 9, 2], options));
    }

    [Fact]
    public void An_untied_llama_quantises_its_embedding_and_its_head_layer()
    {
        var model = RandomLlama(Cpu);
        Assert.False(model.TiedHead);
        var layers = QuantizedCheckpoint.Quantize(model, WeightFormat.Q4_0, tokenEmbedding: true);
        Assert.Contains("lm_head", layers.Quantized);
        Assert.Equal(["wte"], layers.Embeddings);
        using var temp = new TempFiles();
        QuantizedCheckpoint.Save(model, temp.Directory);
        var loaded = HfCheckpoint.Load(Cpu, temp.Directory);
        Assert.Equal(WeightFormat.Q4_0, loaded.TokenEmbedding.Format);
        AssertSameLogits(model, loaded, 80, "llama q4_0");
    }

    [Theory]
    [InlineData("bert-tiny")]
    [InlineData("t5-tiny")]
    public void Bert_and_t5_tables_quantise_as_tied_heads(string fixture)
    {
        var model = HfCheckpoint.Load(Cpu, Fixtures.Path("hf/" + fixture));
        Assert.True(model.TiedHead);
        QuantizedCheckpoint.Quantize(model, WeightFormat.Int8, tokenEmbedding: true);
        using var temp = new TempFiles();
        QuantizedCheckpoint.Save(model, temp.Directory);
        var loaded = HfCheckpoint.Load(Cpu, temp.Directory);
        Assert.Equal(WeightFormat.Int8, loaded.TokenEmbedding.Format);
        using var ids = Tensor.From(Cpu, TestData.Integers(4, 2 * 7, 3, 500), 2, 7);
        using var decoder = Tensor.From(Cpu, TestData.Integers(5, 2 * 3, 3, 500), 2, 3);
        var inputs = new ModelInputs(ids, DecoderInputIds: model.Family == ModelFamily.EncoderDecoder ? decoder : null);
        using var tape = new Tape(Cpu, recordGradients: false);
        AssertClose.BitIdentical(model.Forward(tape, inputs).Data.ToArray<float>(), loaded.Forward(tape, inputs).Data.ToArray<float>(), fixture);
    }

    [Fact]
    public void A_block_format_names_an_embedding_whose_rows_do_not_fill_blocks_and_changes_nothing()
    {
        var model = HfCheckpoint.Load(Cpu, Fixtures.Path("hf/gpt2-tiny"));
        var e = Assert.Throws<ArgumentException>(() => QuantizedCheckpoint.Quantize(model, WeightFormat.Q4_0, tokenEmbedding: true));
        Assert.Contains("q4_0 stores blocks of 32 values, but the token embedding 'wte' has rows of 48", e.Message);
        Assert.All(WeightQuantizer.Linears(model.Module), l => Assert.Equal(WeightFormat.F32, l.Layer.Format));
        Assert.Equal(WeightFormat.F32, model.TokenEmbedding.Format);
    }

    [Fact]
    public void A_folder_without_the_embeddings_list_loads_and_a_bad_name_is_one_line()
    {
        var model = RandomGpt2(Cpu);
        QuantizedCheckpoint.Quantize(model, WeightFormat.Q8_0);
        using var temp = new TempFiles();
        QuantizedCheckpoint.Save(model, temp.Directory);
        string configPath = Path.Combine(temp.Directory, "config.json");
        var config = HfConfig.Read(configPath);
        Assert.Empty(config["quantization_config"]!["quantized_embeddings"]!.AsArray());
        config["quantization_config"]!.AsObject().Remove("quantized_embeddings");
        File.WriteAllText(configPath, config.ToJsonString());
        AssertSameLogits(model, HfCheckpoint.Load(Cpu, temp.Directory), 96, "no list");

        config["quantization_config"]!["quantized_embeddings"] = new JsonArray("h.0.attn");
        File.WriteAllText(configPath, config.ToJsonString());
        var e = Assert.Throws<InvalidDataException>(() => HfCheckpoint.Load(Cpu, temp.Directory));
        Assert.Contains("quantized_embeddings names 'h.0.attn', which is not an embedding", e.Message);
    }

    /// <summary>
    /// Loading a quantised folder makes no f32 tensor for a weight stored quantised, not even for a moment: the
    /// backend's tensors, at their peak and after, are the parameters as stored. Decoding, exporting (which writes
    /// the dequantised values) and training a LoRA adapter over the base (QLoRA) keep it so; asking for the f32 weight
    /// (WeightFormat.F32) makes it, from the quantised values.
    /// </summary>
    [Theory, MemberData(nameof(Formats))]
    public void A_loaded_quantised_model_holds_no_f32_copy_of_its_quantised_weights(string format)
    {
        var model = RandomGpt2(Cpu);
        QuantizedCheckpoint.Quantize(model, WeightFormats.Parse(format), tokenEmbedding: true);
        using var temp = new TempFiles();
        string folder = Path.Combine(temp.Directory, "q");
        QuantizedCheckpoint.Save(model, folder);

        using var backend = new CpuBackend(threads: 2);
        var loaded = HfCheckpoint.Load(backend, folder);
        long stored = QuantizedCheckpoint.StoredBytes(loaded.Module);
        var weights = QuantisedWeights(loaded);
        Assert.Equal(13, weights.Count);   // 6 linear layers a block, and wte
        Assert.All(weights, w => Assert.False(w.Weight.IsMaterialized, $"{w.Name} holds an f32 tensor"));
        Assert.Equal(stored, backend.TensorMemory.LiveBytes);
        Assert.Equal(stored, backend.TensorMemory.PeakBytes);

        var options = new GenerationOptions { MaxNewTokens = 4, StopTokens = [] };
        Assert.Equal(model.Generate([3, 4], options), loaded.Generate([3, 4], options));
        loaded.Save(Path.Combine(temp.Directory, "plain"));
        using (var plain = Safetensors.Open(Path.Combine(temp.Directory, "plain", "model.safetensors")))
        using (var table = loaded.TokenEmbedding.QuantizedWeight!.Dequantize())
            Assert.Equal(table.ToArray<float>(), plain.ReadFloats("transformer.wte.weight"));
        Assert.All(weights, w => Assert.False(w.Weight.IsMaterialized, $"{w.Name} kept an f32 tensor after decoding and export"));
        Assert.Equal(stored, backend.TensorMemory.LiveBytes);

        var gpt = ((DecoderModel)loaded).Gpt;
        var layers = Lora.Apply(gpt, new LoraConfig { Rank = 2, Alpha = 4, TargetModules = [LoraConfig.AllLinear] }, seed: 3);
        var tokens = Enumerable.Range(0, 200).Select(i => (i * 7 + i / 5) % 96).ToArray();
        var training = new TrainingOptions { Steps = 2, LearningRate = 1e-2f, WarmupSteps = 0, EvaluationInterval = 0 };
        using (var trainer = new Trainer(backend, gpt, (tape, b) => gpt.Loss(tape, b.Inputs, b.Targets), training, new CausalLmBatches(tokens, 8, 2, seed: 2)))
            trainer.Train();
        Assert.All(weights, w => Assert.False(w.Weight.IsMaterialized, $"{w.Name} got an f32 tensor in QLoRA training"));
        foreach (var (_, layer) in layers) layer.DetachLora();

        var q = WeightQuantizer.Linears(loaded.Module).First().Layer;
        using var dequantized = q.QuantizedWeight!.Dequantize();
        Assert.Equal(dequantized.ToArray<float>(), q.Weight.ToArray<float>());
        Assert.False(q.Weight.IsMaterialized);
        q.Quantize(WeightFormat.F32);
        Assert.True(q.Weight.IsMaterialized);
        Assert.Equal(dequantized.ToArray<float>(), q.Weight.Data.ToArray<float>());
    }

    /// <summary>An f32 folder loads without random draws or temporaries: the tensors at their peak are the parameters.</summary>
    [Fact]
    public void An_f32_folder_loads_into_its_parameters_alone()
    {
        using var temp = new TempFiles();
        var original = RandomGpt2(Cpu);
        original.Save(temp.Directory);
        using var backend = new CpuBackend(threads: 1);
        var loaded = HfCheckpoint.Load(backend, temp.Directory);
        Assert.Equal(loaded.Module.ParameterCount() * sizeof(float), backend.TensorMemory.PeakBytes);
        foreach (var ((name, expected), (_, actual)) in original.Module.NamedParameters().Zip(loaded.Module.NamedParameters()))
            Assert.True(expected.ToArray<float>().AsSpan().SequenceEqual(actual.ToArray<float>()), name);
    }

    private static List<(string Name, Variable Weight)> QuantisedWeights(HfModel model) =>
        [.. WeightQuantizer.Linears(model.Module).Where(l => l.Layer.QuantizedWeight is not null).Select(l => (l.Name, l.Layer.Weight))
            .Concat(WeightQuantizer.Embeddings(model.Module).Where(e => e.Layer.QuantizedWeight is not null).Select(e => (e.Name, e.Layer.Weight)))];

    /// <summary>Logits of a [2, 12] prefill and of a one-token decode row (integer dots) are the same bits.</summary>
    internal static void AssertSameLogits(HfModel expected, HfModel actual, int vocabulary, string what)
    {
        using var tape = new Tape(Cpu, recordGradients: false);
        using var prefill = Tensor.From(Cpu, TestData.Integers(11, 24, 0, vocabulary), 2, 12);
        using var decode = Tensor.From(Cpu, new[] { 7 }, 1, 1);
        foreach (var ids in new[] { prefill, decode })
            AssertClose.BitIdentical(expected.Forward(tape, new ModelInputs(ids)).Data.ToArray<float>(),
                actual.Forward(tape, new ModelInputs(ids)).Data.ToArray<float>(), $"{what}, ids {ids.Shape}");
    }
}
