using System.Text.Json.Nodes;
using LlmLab.Autograd;
using LlmLab.Backends;
using LlmLab.IO;
using LlmLab.Models;
using LlmLab.Models.HuggingFace;
using LlmLab.Nn;
using LlmLab.Peft;
using LlmLab.Tensors;
using LlmLab.Tests.Infrastructure;
using LlmLab.Tests.References;

namespace LlmLab.Tests.Peft;

/// <summary>
/// Prefix tuning and bottleneck adapters on T5 (the encoder-decoder family): peft's trainable-parameter counts,
/// gradients against the float64 <see cref="Float64T5"/>, adapters that start near the identity, the prefix in the
/// decoder only, and their files loaded back bit-identical (peft's prefix config with num_transformer_submodules 2).
/// </summary>
[Collection("backends")]
public class T5PeftTests
{
    public static TheoryData<string> Backends => TestBackends.All;

    private static readonly IBackend Cpu = TestBackends.Get("cpu");
    private static readonly int[] Ids = [5, 17, 300, 2, 41, 9, 77, 8];           // [2, 4]
    private static readonly int[] DecoderIds = [0, 12, 6, 0, 3, 99];              // [2, 3]
    private const int Width = 48, InnerWidth = 64, Layers = 2;                    // t5-tiny: d_model 48, 4 heads of 16

    private static string TempFolder() => Path.Combine(Path.GetTempPath(), "llmlab-t5peft-" + Guid.NewGuid().ToString("N"));

    private static HfModel Tiny() => HfCheckpoint.Load(Cpu, Fixtures.Path("hf/t5-tiny"));

    private static float[] Run(Func<Tape, Tensor, Tensor, Variable> forward)
    {
        using var ids = Tensor.From(Cpu, Ids, 2, 4);
        using var decoder = Tensor.From(Cpu, DecoderIds, 2, 3);
        using var tape = new Tape(Cpu, recordGradients: false);
        return forward(tape, ids, decoder).Data.ToArray<float>();
    }

    private static float[] Run(HfModel model) => Run((tape, ids, decoder) => model.Forward(tape, new ModelInputs(ids, null, decoder)));

    [Fact]
    public void Adapters_go_in_every_encoder_and_decoder_block_and_start_near_the_identity()
    {
        var model = Tiny();
        var before = Run(model);
        var config = new HoulsbyConfig { ReductionFactor = 16 };
        Houlsby.Apply(model, config, seed: 3);
        var adapters = model.Module.NamedModules().Where(m => m.Module is Bottleneck).Select(m => m.Name).ToList();
        Assert.Equal(2 * 2 * Layers, adapters.Count);
        Assert.Contains("encoder.block.0.attn_adapter", adapters);
        Assert.Contains("decoder.block.1.mlp_adapter", adapters);

        // 2 (encoder + decoder layers) (2 C m + m + C), m = 48 / 16.
        long expected = 2L * (Layers + Layers) * (2 * Width * 3 + 3 + Width);
        Assert.Equal(expected, model.Module.ParameterCount(trainableOnly: true));
        Assert.Equal(expected, Houlsby.TrainableParameterCount(Layers + Layers, Width, config));

        double largest = before.Zip(Run(model), (a, b) => Math.Abs(a - b)).Max();
        Assert.InRange(largest, 1e-7, 0.05);
        foreach (var adapter in model.Module.NamedModules().Select(m => m.Module).OfType<Bottleneck>())
        {
            Float64Gpt.Write(adapter.Up.Weight, new float[adapter.Up.Weight.Data.ElementCount]);
            Float64Gpt.Write(adapter.Up.Bias!, new float[adapter.Up.Bias!.Data.ElementCount]);
        }
        AssertClose.BitIdentical(before, Run(model), "T5 with zero up projections");
    }

    [Theory, MemberData(nameof(Backends))]
    public void Adapter_gradients_match_float64(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        var t5 = new T5(backend, Float64T5.Tiny, seed: 1);
        Houlsby.Apply(t5, new HoulsbyConfig { ReductionFactor = 4 }, seed: 5);
        Float64Gpt.Randomise(t5, seed: 40);
        long[] input = [3, 7, 1, 12, 0], decoder = [0, 5, 9, 2], targets = [5, -100, 2, 11];
        using var ids = Tensor.From(backend, input, 1, 5);
        using var decoderIds = Tensor.From(backend, decoder, 1, 4);
        using var labels = Tensor.From(backend, targets, 1, 4);
        int checkedCount = Float64Gpt.CheckGradients(backend, t5, tape => t5.Loss(tape, ids, null, decoderIds, labels),
            p => Float64T5.Loss(p, input, decoder, targets));
        Assert.Equal(2 * 2 * 2 * 4, checkedCount);   // 2 stacks × 2 blocks × 2 adapters × 4 tensors
    }

    [Fact]
    public void Saved_adapters_load_back_bit_identical()
    {
        string folder = TempFolder();
        try
        {
            var model = Tiny();
            Houlsby.Apply(model, new HoulsbyConfig { ReductionFactor = 8 }, seed: 7);
            Float64Gpt.Randomise(model.Module, seed: 90);   // frozen weights too: the loaded model must bring only the adapters
            HoulsbyAdapter.Save(model, folder);

            var config = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "adapter_config.json")))!.AsObject();
            Assert.Equal("SEQ_2_SEQ_LM", (string?)config["task_type"]);
            Assert.Equal(2 * Layers, (int)config["num_layers"]!);
            using (var file = Safetensors.Open(Path.Combine(folder, "adapter_model.safetensors")))
            {
                Assert.Equal(2 * 2 * Layers * 4, file.Names.Count());
                Assert.Equal([6, Width], file.Info("decoder.block.1.mlp_adapter.adapter_down.weight").Shape);
                Assert.Equal([Width, 6], file.Info("encoder.block.0.attn_adapter.adapter_up.weight").Shape);
            }

            var loaded = Tiny();
            foreach (var (name, p) in model.Module.NamedParameters().Where(p => !p.Parameter.RequiresGrad))
                Float64Gpt.Write(loaded.Module.NamedParameters().Single(q => q.Name == name).Parameter, p.Data.ToArray<float>());
            HoulsbyAdapter.Load(loaded, folder);
            var trained = model.Module.NamedParameters().Where(p => p.Parameter.RequiresGrad).ToList();
            var back = loaded.Module.NamedParameters().Where(p => p.Parameter.RequiresGrad).ToList();
            Assert.Equal(trained.Select(p => p.Name), back.Select(p => p.Name));
            foreach (var ((name, a), (_, b)) in trained.Zip(back)) AssertClose.BitIdentical(a.Data.ToArray<float>(), b.Data.ToArray<float>(), name);
            AssertClose.BitIdentical(Run(model), Run(loaded), "T5 logits after the round trip");
        }
        finally
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
    }

    [Theory]
    [InlineData(null)]
    [InlineData(10)]
    public void A_prefix_trains_peft_s_count_and_only_the_decoder_reads_it(int? hidden)
    {
        var model = Tiny();
        const int n = 3;
        var tuning = PrefixTuning.Apply(model, new PrefixTuningConfig { NumVirtualTokens = n, PrefixProjection = hidden is not null, EncoderHiddenSize = hidden }, seed: 1);
        Assert.Equal(ModelFamily.EncoderDecoder, tuning.Family);
        Assert.Equal(InnerWidth, tuning.TokenDim);
        Assert.Equal(4, tuning.NumAttentionHeads);
        Assert.Equal(PrefixTuning.TrainableParameterCount(n, Layers, InnerWidth, hidden), tuning.ParameterCount(trainableOnly: true));
        Assert.All(tuning.NamedParameters(), p => Assert.Equal(p.Name.StartsWith("prompt_encoder.", StringComparison.Ordinal), p.Parameter.RequiresGrad));

        // The encoder is untouched: its output is the plain model's.
        var t5 = ((T5Model)model).T5;
        var plain = Run((tape, ids, _) => t5.Encode(tape, ids, padding: null));
        using (var scope = new Tape(Cpu, recordGradients: false))
        using (tuning.Attach(scope, batch: 2))
            AssertClose.BitIdentical(plain, Run((tape, ids, _) => t5.Encode(tape, ids, padding: null)), "the encoder with a prefix attached");
        Assert.False(Run(model).SequenceEqual(Run((tape, ids, decoder) => tuning.Forward(tape, ids, decoderInputIds: decoder))), "the prefix changed nothing");
        Assert.Throws<ArgumentException>(() => Run((tape, ids, _) => tuning.Forward(tape, ids)));
    }

    [Fact]
    public void The_cross_attention_reads_the_prefix_past_the_encoders_padding()
    {
        // A row padded at the end decodes as the same row without the padding: the prefix stays visible ahead of the
        // encoder's keys, the padded keys stay hidden.
        var tuning = PrefixTuning.Apply(Tiny(), new PrefixTuningConfig { NumVirtualTokens = 3 }, seed: 2);
        using var padded = Tensor.From(Cpu, Ids, 1, 8);
        using var mask = Tensor.From(Cpu, new[] { 1, 1, 1, 1, 1, 0, 0, 0 }, 1, 8);
        using var shortIds = Tensor.From(Cpu, Ids[..5], 1, 5);
        using var decoder = Tensor.From(Cpu, DecoderIds[..3], 1, 3);
        float[] Logits(Tensor ids, Tensor? attentionMask)
        {
            using var tape = new Tape(Cpu, recordGradients: false);
            return tuning.Forward(tape, ids, attentionMask, decoder).Data.ToArray<float>();
        }
        AssertClose.Within(Logits(shortIds, null), Logits(padded, mask), 1e-5, 1e-4, "T5's decoder with and without the encoder's padding");
        Assert.True(MaxDifference(Logits(padded, null), Logits(padded, mask)) > 1e-3, "the padding mask changed nothing");
    }

    private static double MaxDifference(float[] a, float[] b) => a.Zip(b, (x, y) => Math.Abs(x - y)).Max();

    [Theory, MemberData(nameof(Backends))]
    public void Prefix_gradients_match_float64(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        var t5 = new T5(backend, Float64T5.Tiny, seed: 1);
        Float64Gpt.Randomise(t5, seed: 40);
        var tuning = PrefixTuning.Apply(t5, new PrefixTuningConfig { NumVirtualTokens = 2, PrefixProjection = true, EncoderHiddenSize = 5 }, seed: 5);
        int seed = 70;
        foreach (var (_, p) in tuning.Encoder.NamedParameters()) Float64Gpt.Write(p, TestData.Uniform(seed++, p.Data.ElementCount, 0.8f));
        long[] input = [3, 7, 1, 12, 0], decoder = [0, 5, 9, 2], targets = [5, -100, 2, 11];
        using var ids = Tensor.From(backend, input, 1, 5);
        using var decoderIds = Tensor.From(backend, decoder, 1, 4);
        using var labels = Tensor.From(backend, targets, 1, 4);
        int inner = Float64T5.Tiny.InnerWidth, output = Float64T5.Tiny.DecoderLayers * 2 * inner;
        int checkedCount = Float64Gpt.CheckGradients(backend, tuning, tape => tuning.Loss(tape, ids, labels, decoderInputIds: decoderIds), p =>
        {
            var model = p.Where(kv => kv.Key.StartsWith("base_model.", StringComparison.Ordinal)).ToDictionary(kv => kv.Key["base_model.".Length..], kv => kv.Value);
            var hidden = Float64Net.Map(Float64Net.Linear(p["prompt_encoder.embedding.weight"], p["prompt_encoder.transform.0.weight"], p["prompt_encoder.transform.0.bias"], inner, 5), Math.Tanh);
            var table = Float64Net.Linear(hidden, p["prompt_encoder.transform.2.weight"], p["prompt_encoder.transform.2.bias"], 5, output);
            return Float64T5.Loss(model, input, decoder, targets, prefix: table);
        });
        Assert.Equal(5, checkedCount);
    }

    [Fact]
    public void Saved_prefixes_load_back_bit_identical_with_pefts_seq2seq_config()
    {
        string folder = TempFolder();
        try
        {
            var trained = PrefixTuning.Apply(Tiny(), new PrefixTuningConfig { NumVirtualTokens = 4 }, seed: 7);
            PrefixTuningAdapter.Save(trained, folder);
            var config = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "adapter_config.json")))!.AsObject();
            Assert.Equal("SEQ_2_SEQ_LM", (string?)config["task_type"]);
            Assert.Equal(2, (int)config["num_transformer_submodules"]!);
            Assert.Equal(InnerWidth, (int)config["token_dim"]!);
            Assert.Equal(4, (int)config["num_attention_heads"]!);
            Assert.Equal(Layers, (int)config["num_layers"]!);
            using (var file = Safetensors.Open(Path.Combine(folder, "adapter_model.safetensors")))
                Assert.Equal([4, Layers * 2 * InnerWidth], file.Info("prompt_embeddings").Shape);

            var loaded = PrefixTuningAdapter.Load(Tiny(), folder);
            AssertClose.BitIdentical(trained.Encoder.Embedding.Weight.Data.ToArray<float>(), loaded.Encoder.Embedding.Weight.Data.ToArray<float>(), "prompt_embeddings");
            AssertClose.BitIdentical(
                Run((tape, ids, decoder) => trained.Forward(tape, ids, decoderInputIds: decoder)),
                Run((tape, ids, decoder) => loaded.Forward(tape, ids, decoderInputIds: decoder)), "T5 logits after the round trip");

            // T5 refuses a prefix saved for one stack.
            config["num_transformer_submodules"] = 1;
            File.WriteAllText(Path.Combine(folder, "adapter_config.json"), config.ToJsonString());
            Assert.Contains("num_transformer_submodules 1", Assert.Throws<InvalidDataException>(() => PrefixTuningAdapter.Load(Tiny(), folder)).Message);
        }
        finally
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
    }
}
