using System.Text.Json.Nodes;
using LlmLab.Autograd;
using LlmLab.Backends;
using LlmLab.IO;
using LlmLab.Models;
using LlmLab.Models.HuggingFace;
using LlmLab.Peft;
using LlmLab.Tensors;
using LlmLab.Tests.Infrastructure;

namespace LlmLab.Tests.Peft;

/// <summary>
/// Prompt tuning: a prompt started from a text's tokens computes what the base model computes on those tokens
/// followed by the input (every family, masks included), peft's inits and trainable-parameter count, gradients
/// against float64, and peft's files loaded back bit-identical.
/// </summary>
[Collection("backends")]
public class PromptTuningTests
{
    public static TheoryData<string> Backends => TestBackends.All;
    public static TheoryData<string> Families => new() { "gpt2-tiny", "llama-tiny", "bert-tiny", "t5-tiny" };

    private static readonly IBackend Cpu = TestBackends.Get("cpu");
    private static readonly int[] Ids = [5, 17, 300, 2, 41, 9, 77, 8];           // [2, 4]
    private static readonly int[] Mask = [1, 1, 1, 1, 1, 1, 1, 0];
    private static readonly int[] DecoderIds = [0, 12, 6, 0, 3, 99];              // [2, 3]
    private static readonly int[] Text = [11, 250, 3, 42, 7, 480];

    private static string TempFolder() => Path.Combine(Path.GetTempPath(), "llmlab-prompt-" + Guid.NewGuid().ToString("N"));

    private static float[] Run(IBackend backend, Func<Tape, Variable> forward)
    {
        using var tape = new Tape(backend, recordGradients: false);
        return forward(tape).Data.ToArray<float>();
    }

    [Theory, MemberData(nameof(Families))]
    public void A_prompt_from_a_texts_tokens_is_those_tokens_ahead_of_the_input(string fixture)
    {
        var model = HfCheckpoint.Load(Cpu, Fixtures.Path("hf/" + fixture));
        const int n = 3;
        var tuning = PromptTuning.Apply(model, new PromptTuningConfig { NumVirtualTokens = n, Init = PromptTuningInit.Text, InitText = "six tokens" }, seed: 1, Text);
        bool seq2seq = model.Family == ModelFamily.EncoderDecoder;
        int width = tuning.TokenDim;

        // peft's count: n rows of C, twice for an encoder-decoder model; nothing else trains.
        Assert.Equal(PromptTuning.TrainableParameterCount(n, model.Family, width), tuning.ParameterCount(trainableOnly: true));
        Assert.Equal((seq2seq ? 2 : 1) * n * 48, tuning.ParameterCount(trainableOnly: true));
        Assert.Equal(["prompt_encoder.embedding.weight"], tuning.NamedParameters().Where(p => p.Parameter.RequiresGrad).Select(p => p.Name));

        // The same input as ids: the text's first n tokens, then each row's tokens; the mask gets n ones in front.
        int[] joined = [.. Text[..n], .. Ids[..4], .. Text[..n], .. Ids[4..]];
        int[] joinedMask = [1, 1, 1, .. Mask[..4], 1, 1, 1, .. Mask[4..]];
        using var ids = Tensor.From(Cpu, Ids, 2, 4);
        using var mask = Tensor.From(Cpu, Mask, 2, 4);
        using var decoder = Tensor.From(Cpu, DecoderIds, 2, 3);
        using var joinedIds = Tensor.From(Cpu, joined, 2, 4 + n);
        using var joinedMaskTensor = Tensor.From(Cpu, joinedMask, 2, 4 + n);
        bool padded = model.Family != ModelFamily.DecoderOnly;   // LlmLab's decoders take no padding
        var expected = Run(Cpu, tape => model.Forward(tape, new ModelInputs(joinedIds, padded ? joinedMaskTensor : null, seq2seq ? decoder : null)));
        var actual = Run(Cpu, tape => tuning.Forward(tape, ids, padded ? mask : null, seq2seq ? decoder : null));
        Assert.Equal(expected.Length, actual.Length);
        AssertClose.Within(expected, actual, 1e-6, 1e-5, $"{fixture} logits with the prompt vs the text's tokens");
        Assert.Equal((seq2seq ? 3 : 4 + n) * 2 * model.VocabularySize, actual.Length);
    }

    [Fact]
    public void Inits_are_pefts()
    {
        var model = HfCheckpoint.Load(Cpu, Fixtures.Path("hf/t5-tiny"));
        var words = ((T5Model)model).T5.Shared.Weight.Data.ToArray<float>();
        float[] Row(int id) => words.AsSpan(id * 48, 48).ToArray();

        // TEXT: the text's ids repeated until the 2 x 4 rows are filled, or cut.
        var text = PromptTuning.Apply(model, new PromptTuningConfig { NumVirtualTokens = 4, Init = PromptTuningInit.Text }, seed: 1, [7, 9, 300]);
        var rows = text.Prompt.Embedding.Weight.Data.ToArray<float>();
        int[] expectedIds = [7, 9, 300, 7, 9, 300, 7, 9];
        for (int i = 0; i < 8; i++) AssertClose.BitIdentical(Row(expectedIds[i]), rows[(i * 48)..((i + 1) * 48)], $"row {i}");
        Assert.Throws<ArgumentException>(() => PromptTuning.Apply(model, new PromptTuningConfig { Init = PromptTuningInit.Text }, seed: 1));

        // SAMPLE_VOCAB: every row is some token's embedding.
        var sampled = PromptTuning.Apply(HfCheckpoint.Load(Cpu, Fixtures.Path("hf/gpt2-tiny")), new PromptTuningConfig { NumVirtualTokens = 5, Init = PromptTuningInit.SampleVocab }, seed: 2);
        var table = ((Gpt)sampled.BaseModel).TokenEmbedding.Weight.Data.ToArray<float>();
        var sampledRows = sampled.Prompt.Embedding.Weight.Data.ToArray<float>();
        for (int i = 0; i < 5; i++)
        {
            var row = sampledRows[(i * 48)..((i + 1) * 48)];
            Assert.Contains(Enumerable.Range(0, 512), id => table.AsSpan(id * 48, 48).SequenceEqual(row));
        }

        // RANDOM: N(0, 1), as torch.nn.Embedding starts.
        var random = PromptTuning.Apply(new Gpt(Cpu, Float64Gpt.Tiny with { Width = 48, Heads = 4 }, seed: 1), new PromptTuningConfig { NumVirtualTokens = 20 }, seed: 3);
        var values = random.Prompt.Embedding.Weight.Data.ToArray<float>();
        double mean = values.Average(), std = Math.Sqrt(values.Average(v => (v - mean) * (v - mean)));
        Assert.InRange(mean, -0.1, 0.1);
        Assert.InRange(std, 0.9, 1.1);
    }

    [Theory, MemberData(nameof(Backends))]
    public void Prompt_gradients_match_float64(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        var gpt = new Gpt(backend, Float64Gpt.Tiny, seed: 1);
        Float64Gpt.Randomise(gpt, seed: 40);
        var tuning = PromptTuning.Apply(gpt, new PromptTuningConfig { NumVirtualTokens = 3 }, seed: 5);
        long[] rows = [3, 7, 1, 12, 0, 5, 9, 9, 2, 11, 4, 6];
        long[] targets = [7, 1, 12, 0, 5, 9, 9, 2, 11, 4, 6, 0];
        using var ids = Tensor.From(backend, rows, 2, 6);
        using var labels = Tensor.From(backend, targets, 2, 6);
        // The batch's mean over its 12 scored positions: the mean of the two rows' means (6 each).
        int checkedCount = Float64Gpt.CheckGradients(backend, tuning, tape => tuning.Loss(tape, ids, labels), p =>
        {
            var model = p.Where(kv => kv.Key.StartsWith("base_model.", StringComparison.Ordinal)).ToDictionary(kv => kv.Key["base_model.".Length..], kv => kv.Value);
            var prompt = p["prompt_encoder.embedding.weight"];
            return (Float64Gpt.Loss(model, rows[..6], targets[..6], prompt) + Float64Gpt.Loss(model, rows[6..], targets[6..], prompt)) / 2;
        });
        Assert.Equal(1, checkedCount);
    }

    [Fact]
    public void T5_trains_only_the_rows_its_encoder_reads()
    {
        var model = HfCheckpoint.Load(Cpu, Fixtures.Path("hf/t5-tiny"));
        var tuning = PromptTuning.Apply(model, new PromptTuningConfig { NumVirtualTokens = 2 }, seed: 1);
        using var ids = Tensor.From(Cpu, Ids, 2, 4);
        using var decoder = Tensor.From(Cpu, DecoderIds, 2, 3);
        using var targets = Tensor.From(Cpu, new long[] { 12, 6, 1, 3, 99, 1 }, 2, 3);
        using var tape = new Tape(Cpu);
        tape.Backward(tuning.Loss(tape, ids, targets, decoderInputIds: decoder));
        var grad = tuning.Prompt.Embedding.Weight.Grad!.ToArray<float>();
        Assert.Contains(grad[..(2 * 48)], g => g != 0);
        Assert.All(grad[(2 * 48)..], g => Assert.Equal(0f, g));
        tuning.Prompt.Embedding.Weight.ZeroGrad();
    }

    [Theory]
    [InlineData("gpt2-tiny")]
    [InlineData("t5-tiny")]
    [InlineData("bert-tiny")]
    public void Saved_prompts_load_back_bit_identical_with_pefts_config(string fixture)
    {
        string folder = TempFolder();
        try
        {
            var model = HfCheckpoint.Load(Cpu, Fixtures.Path("hf/" + fixture));
            var trained = PromptTuning.Apply(model, new PromptTuningConfig { NumVirtualTokens = 4, TokenizerNameOrPath = "tiny" }, seed: 7);
            PromptTuningAdapter.Save(trained, folder);
            bool seq2seq = model.Family == ModelFamily.EncoderDecoder;

            var config = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "adapter_config.json")))!.AsObject();
            Assert.Equal("PROMPT_TUNING", (string?)config["peft_type"]);
            Assert.Equal(seq2seq ? "SEQ_2_SEQ_LM" : model.Family == ModelFamily.DecoderOnly ? "CAUSAL_LM" : "FEATURE_EXTRACTION", (string?)config["task_type"]);
            Assert.Equal(4, (int)config["num_virtual_tokens"]!);
            Assert.Equal(48, (int)config["token_dim"]!);
            Assert.Equal(seq2seq ? 2 : 1, (int)config["num_transformer_submodules"]!);
            Assert.Equal(4, (int)config["num_attention_heads"]!);
            Assert.Equal(2, (int)config["num_layers"]!);
            Assert.Equal("RANDOM", (string?)config["prompt_tuning_init"]);
            Assert.Equal("tiny", (string?)config["tokenizer_name_or_path"]);
            using (var file = Safetensors.Open(Path.Combine(folder, "adapter_model.safetensors")))
            {
                Assert.Equal(["prompt_embeddings"], file.Names);
                Assert.Equal([(seq2seq ? 8 : 4), 48], file.Info("prompt_embeddings").Shape);
            }

            var loaded = PromptTuningAdapter.Load(HfCheckpoint.Load(Cpu, Fixtures.Path("hf/" + fixture)), folder);
            AssertClose.BitIdentical(trained.Prompt.Embedding.Weight.Data.ToArray<float>(), loaded.Prompt.Embedding.Weight.Data.ToArray<float>(), "prompt_embeddings");
            Assert.Equal(trained.ParameterCount(trainableOnly: true), loaded.ParameterCount(trainableOnly: true));
            Assert.Equal("tiny", loaded.Config.TokenizerNameOrPath);
            using var ids = Tensor.From(Cpu, Ids, 2, 4);
            using var decoder = Tensor.From(Cpu, DecoderIds, 2, 3);
            AssertClose.BitIdentical(
                Run(Cpu, tape => trained.Forward(tape, ids, decoderInputIds: seq2seq ? decoder : null)),
                Run(Cpu, tape => loaded.Forward(tape, ids, decoderInputIds: seq2seq ? decoder : null)), $"{fixture} logits after the round trip");
        }
        finally
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void A_prompt_for_another_model_is_refused_by_name()
    {
        string folder = TempFolder();
        try
        {
            PromptTuningAdapter.Save(PromptTuning.Apply(HfCheckpoint.Load(Cpu, Fixtures.Path("hf/t5-tiny")), new PromptTuningConfig { NumVirtualTokens = 2 }, seed: 1), folder);
            var gpt2 = HfCheckpoint.Load(Cpu, Fixtures.Path("hf/gpt2-tiny"));
            var error = Assert.Throws<InvalidDataException>(() => PromptTuningAdapter.Load(gpt2, folder));
            Assert.Contains("num_transformer_submodules 2", error.Message);
            Assert.All(gpt2.Module.NamedParameters(), p => Assert.True(p.Parameter.RequiresGrad));
            Assert.Throws<InvalidDataException>(() => Ia3Adapter.Load(gpt2, folder));
        }
        finally
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
    }
}
