using System.Text.Json.Nodes;
using LlmLab.Autograd;
using LlmLab.Backends;
using LlmLab.Generation;
using LlmLab.IO;
using LlmLab.Models.HuggingFace;
using LlmLab.Nn;
using LlmLab.Quantization;
using LlmLab.Tensors;
using LlmLab.Tests.Data;
using LlmLab.Tests.Infrastructure;

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
