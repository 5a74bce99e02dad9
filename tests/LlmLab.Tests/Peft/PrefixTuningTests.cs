using System.Text.Json.Nodes;
using LlmLab.Autograd;
using LlmLab.Backends;
using LlmLab.IO;
using LlmLab.Models;
using LlmLab.Models.HuggingFace;
using LlmLab.Peft;
using LlmLab.Tensors;
using LlmLab.Tests.Infrastructure;
using LlmLab.Tests.References;

namespace LlmLab.Tests.Peft;

/// <summary>
/// Prefix tuning: a prefix holding the keys and values a text leaves in the KV cache computes what the model
/// computes on that text followed by the input (GPT-2, and Llama's grouped heads and rotary positions), peft's
/// trainable-parameter counts, gradients against float64 with and without the projection (GPT and BERT), BERT's
/// padding, and peft's files loaded back bit-identical.
/// </summary>
[Collection("backends")]
public class PrefixTuningTests
{
    public static TheoryData<string> Backends => TestBackends.All;

    private static readonly IBackend Cpu = TestBackends.Get("cpu");
    private static readonly int[] Ids = [5, 17, 300, 2, 41, 9, 77, 8];           // [2, 4]
    private static readonly int[] Text = [11, 250, 3];

    private static string TempFolder() => Path.Combine(Path.GetTempPath(), "llmlab-prefix-" + Guid.NewGuid().ToString("N"));

    private static float[] Run(IBackend backend, Func<Tape, Variable> forward)
    {
        using var tape = new Tape(backend, recordGradients: false);
        return forward(tape).Data.ToArray<float>();
    }

    [Theory]
    [InlineData("gpt2-tiny")]
    [InlineData("llama-tiny")]
    public void A_prefix_of_a_texts_keys_and_values_is_that_text_ahead_of_the_input(string fixture)
    {
        var model = HfCheckpoint.Load(Cpu, Fixtures.Path("hf/" + fixture));
        var gpt = ((DecoderModel)model).Gpt;
        int n = Text.Length, layers = gpt.Config.Layers, kvHeads = gpt.Config.KvHeads, dim = gpt.Blocks[0].Attention.HeadDim, tokenDim = kvHeads * dim;

        // The text's keys and values as the KV cache holds them (rotated for Llama), in peft's row layout.
        var caches = gpt.NewCaches(1, n);
        using (var tape = new Tape(Cpu, recordGradients: false))
        using (var text = Tensor.From(Cpu, Text, 1, n))
            gpt.Forward(tape, text, caches);
        var table = new float[n * layers * 2 * tokenDim];
        for (int l = 0; l < layers; l++)
        {
            float[] keys = caches[l].Keys.ToArray<float>(), values = caches[l].Values.ToArray<float>();   // [1, kv heads, n, D]
            for (int t = 0; t < n; t++)
                for (int h = 0; h < kvHeads; h++)
                    for (int d = 0; d < dim; d++)
                    {
                        table[t * layers * 2 * tokenDim + 2 * l * tokenDim + h * dim + d] = keys[(h * n + t) * dim + d];
                        table[t * layers * 2 * tokenDim + (2 * l + 1) * tokenDim + h * dim + d] = values[(h * n + t) * dim + d];
                    }
            caches[l].Dispose();
        }
        var tuning = PrefixTuning.Apply(model, new PrefixTuningConfig { NumVirtualTokens = n }, seed: 1);
        Assert.Equal(tokenDim, tuning.TokenDim);
        Assert.Equal(kvHeads, tuning.NumAttentionHeads);
        Float64Gpt.Write(tuning.Encoder.Embedding.Weight, table);

        int[] joined = [.. Text, .. Ids[..4], .. Text, .. Ids[4..]];
        using var ids = Tensor.From(Cpu, Ids, 2, 4);
        using var joinedIds = Tensor.From(Cpu, joined, 2, 4 + n);
        using var ones = Tensor.From(Cpu, Enumerable.Repeat(1, 8).ToArray(), 2, 4);
        var full = Run(Cpu, tape => model.Forward(tape, new ModelInputs(joinedIds, null, null)));
        int vocabulary = model.VocabularySize;
        float[] expected = [.. full.AsSpan(n * vocabulary, 4 * vocabulary), .. full.AsSpan((4 + 2 * n) * vocabulary, 4 * vocabulary)];
        var actual = Run(Cpu, tape => tuning.Forward(tape, ids, ones));
        Assert.Equal(expected.Length, actual.Length);
        AssertClose.Within(expected, actual, 1e-5, 1e-4, $"{fixture} logits after the prefix vs after the text");
        Assert.Equal(["prompt_encoder.embedding.weight"], tuning.NamedParameters().Where(p => p.Parameter.RequiresGrad).Select(p => p.Name));
    }

    [Theory]
    [InlineData("gpt2-tiny", null, 48)]
    [InlineData("gpt2-tiny", 10, 48)]
    [InlineData("llama-tiny", null, 24)]
    [InlineData("llama-tiny", 10, 24)]
    public void Trainable_parameters_are_pefts_count(string fixture, int? hidden, int tokenDim)
    {
        var model = HfCheckpoint.Load(Cpu, Fixtures.Path("hf/" + fixture));
        const int n = 3, layers = 2;
        var tuning = PrefixTuning.Apply(model, new PrefixTuningConfig { NumVirtualTokens = n, PrefixProjection = hidden is not null, EncoderHiddenSize = hidden }, seed: 1);
        long expected = hidden is int h
            ? n * tokenDim + tokenDim * h + h + h * layers * 2 * tokenDim + layers * 2 * tokenDim
            : n * layers * 2 * tokenDim;
        Assert.Equal(expected, tuning.ParameterCount(trainableOnly: true));
        Assert.Equal(expected, PrefixTuning.TrainableParameterCount(n, layers, tokenDim, hidden));
        Assert.Equal(tokenDim, tuning.TokenDim);
        Assert.All(tuning.NamedParameters(), p => Assert.Equal(p.Name.StartsWith("prompt_encoder.", StringComparison.Ordinal), p.Parameter.RequiresGrad));

        // peft's default hidden width is token_dim.
        var projected = PrefixTuning.Apply(HfCheckpoint.Load(Cpu, Fixtures.Path("hf/" + fixture)), new PrefixTuningConfig { NumVirtualTokens = n, PrefixProjection = true }, seed: 1);
        Assert.Equal(tokenDim, projected.EncoderHiddenSize);
        Assert.Equal(PrefixTuning.TrainableParameterCount(n, layers, tokenDim, tokenDim), projected.ParameterCount(trainableOnly: true));
    }

    [Fact]
    public void Zero_init_starts_the_table_or_the_last_layer_at_zero()
    {
        var plain = PrefixTuning.Apply(new Gpt(Cpu, Float64Gpt.Tiny, seed: 1), new PrefixTuningConfig { NumVirtualTokens = 2, ZeroInit = true }, seed: 1);
        Assert.All(plain.Encoder.Embedding.Weight.Data.ToArray<float>(), v => Assert.Equal(0f, v));
        var projected = PrefixTuning.Apply(new Gpt(Cpu, Float64Gpt.Tiny, seed: 1), new PrefixTuningConfig { NumVirtualTokens = 2, ZeroInit = true, PrefixProjection = true }, seed: 1);
        Assert.All(projected.Encoder.Up!.Weight.Data.ToArray<float>(), v => Assert.Equal(0f, v));
        Assert.Contains(projected.Encoder.Down!.Weight.Data.ToArray<float>(), v => v != 0);
        var random = PrefixTuning.Apply(new Gpt(Cpu, Float64Gpt.Tiny, seed: 1), new PrefixTuningConfig { NumVirtualTokens = 2 }, seed: 1);
        Assert.Contains(random.Encoder.Embedding.Weight.Data.ToArray<float>(), v => v != 0);
    }

    [Theory, MemberData(nameof(Backends))]
    public void Prefix_gradients_match_float64(string backendName) => CheckGradients(backendName, projection: false);

    [Theory, MemberData(nameof(Backends))]
    public void Projected_prefix_gradients_match_float64(string backendName) => CheckGradients(backendName, projection: true);

    private static void CheckGradients(string backendName, bool projection)
    {
        var backend = TestBackends.Get(backendName);
        var gpt = new Gpt(backend, Float64Gpt.Tiny, seed: 1);
        Float64Gpt.Randomise(gpt, seed: 40);
        const int n = 3, hidden = 5;
        var tuning = PrefixTuning.Apply(gpt, new PrefixTuningConfig { NumVirtualTokens = n, PrefixProjection = projection, EncoderHiddenSize = hidden }, seed: 5);
        // Away from the init, so that every part carries a gradient of some size (tanh in its curved range).
        int seed = 60;
        foreach (var (_, p) in tuning.Encoder.NamedParameters()) Float64Gpt.Write(p, TestData.Uniform(seed++, p.Data.ElementCount, 0.8f));
        long[] rows = [3, 7, 1, 12, 0, 5, 9, 9, 2, 11, 4, 6];
        long[] targets = [7, 1, 12, 0, 5, 9, 9, 2, 11, 4, 6, 0];
        using var ids = Tensor.From(backend, rows, 2, 6);
        using var labels = Tensor.From(backend, targets, 2, 6);
        int width = Float64Gpt.Tiny.Width, output = Float64Gpt.Tiny.Layers * 2 * width;
        int checkedCount = Float64Gpt.CheckGradients(backend, tuning, tape => tuning.Loss(tape, ids, labels), p =>
        {
            var model = p.Where(kv => kv.Key.StartsWith("base_model.", StringComparison.Ordinal)).ToDictionary(kv => kv.Key["base_model.".Length..], kv => kv.Value);
            var table = p["prompt_encoder.embedding.weight"];
            if (projection)
            {
                var inner = Float64Net.Map(Float64Net.Linear(table, p["prompt_encoder.transform.0.weight"], p["prompt_encoder.transform.0.bias"], width, hidden), Math.Tanh);
                table = Float64Net.Linear(inner, p["prompt_encoder.transform.2.weight"], p["prompt_encoder.transform.2.bias"], hidden, output);
            }
            return (Float64Gpt.Loss(model, rows[..6], targets[..6], prefix: table) + Float64Gpt.Loss(model, rows[6..], targets[6..], prefix: table)) / 2;
        });
        Assert.Equal(projection ? 5 : 1, checkedCount);
    }

    [Theory, MemberData(nameof(Backends))]
    public void Bert_prefix_gradients_match_float64(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        var bert = new Bert(backend, Float64Bert.Tiny, seed: 1);
        Float64Gpt.Randomise(bert, seed: 40);
        var tuning = PrefixTuning.Apply(bert, new PrefixTuningConfig { NumVirtualTokens = 2, PrefixProjection = true, EncoderHiddenSize = 5 }, seed: 5);
        int seed = 70;
        foreach (var (_, p) in tuning.Encoder.NamedParameters()) Float64Gpt.Write(p, TestData.Uniform(seed++, p.Data.ElementCount, 0.8f));
        long[] rows = [3, 7, 1, 12, 0];
        long[] targets = [-100, 1, -100, 0, 5];
        using var ids = Tensor.From(backend, rows, 1, 5);
        using var labels = Tensor.From(backend, targets, 1, 5);
        int width = Float64Bert.Tiny.Width, output = Float64Bert.Tiny.Layers * 2 * width;
        int checkedCount = Float64Gpt.CheckGradients(backend, tuning, tape => tuning.Loss(tape, ids, labels), p =>
        {
            var model = p.Where(kv => kv.Key.StartsWith("base_model.", StringComparison.Ordinal)).ToDictionary(kv => kv.Key["base_model.".Length..], kv => kv.Value);
            var inner = Float64Net.Map(Float64Net.Linear(p["prompt_encoder.embedding.weight"], p["prompt_encoder.transform.0.weight"], p["prompt_encoder.transform.0.bias"], width, 5), Math.Tanh);
            var table = Float64Net.Linear(inner, p["prompt_encoder.transform.2.weight"], p["prompt_encoder.transform.2.bias"], 5, output);
            return Float64Bert.Loss(model, rows, targets, table);
        });
        Assert.Equal(5, checkedCount);
    }

    [Fact]
    public void Bert_reads_the_prefix_past_its_padding()
    {
        // A row padded at the end scores its real tokens as the same row without the padding: the mask's n ones in
        // front keep the prefix visible, its zeros hide the padded keys.
        var model = HfCheckpoint.Load(Cpu, Fixtures.Path("hf/bert-tiny"));
        var tuning = PrefixTuning.Apply(model, new PrefixTuningConfig { NumVirtualTokens = 3 }, seed: 2);
        using var padded = Tensor.From(Cpu, Ids, 1, 8);
        using var mask = Tensor.From(Cpu, new[] { 1, 1, 1, 1, 1, 0, 0, 0 }, 1, 8);
        using var shortIds = Tensor.From(Cpu, Ids[..5], 1, 5);
        int vocabulary = model.VocabularySize;
        var expected = Run(Cpu, tape => tuning.Forward(tape, shortIds));
        var actual = Run(Cpu, tape => tuning.Forward(tape, padded, mask));
        AssertClose.Within(expected, actual[..(5 * vocabulary)], 1e-5, 1e-4, "BERT's real tokens with and without padding");
        var unmasked = Run(Cpu, tape => tuning.Forward(tape, padded));
        Assert.True(unmasked.Zip(actual).Take(5 * vocabulary).Any(pair => Math.Abs(pair.First - pair.Second) > 1e-3), "the padding mask changed nothing");
    }

    [Theory]
    [InlineData("bert-tiny", false)]
    [InlineData("gpt2-tiny", false)]
    [InlineData("gpt2-tiny", true)]
    [InlineData("llama-tiny", false)]
    [InlineData("llama-tiny", true)]
    public void Saved_prefixes_load_back_bit_identical_with_pefts_config(string fixture, bool projection)
    {
        string folder = TempFolder();
        try
        {
            var model = HfCheckpoint.Load(Cpu, Fixtures.Path("hf/" + fixture));
            var trained = PrefixTuning.Apply(model, new PrefixTuningConfig { NumVirtualTokens = 4, PrefixProjection = projection, EncoderHiddenSize = projection ? 16 : null }, seed: 7);
            PrefixTuningAdapter.Save(trained, folder);
            int tokenDim = trained.TokenDim, heads = fixture == "llama-tiny" ? 2 : 4;

            var config = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "adapter_config.json")))!.AsObject();
            Assert.Equal("PREFIX_TUNING", (string?)config["peft_type"]);
            Assert.Equal(fixture == "bert-tiny" ? "FEATURE_EXTRACTION" : "CAUSAL_LM", (string?)config["task_type"]);
            Assert.Equal(4, (int)config["num_virtual_tokens"]!);
            Assert.Equal(fixture == "llama-tiny" ? 24 : 48, (int)config["token_dim"]!);
            Assert.Equal(1, (int)config["num_transformer_submodules"]!);
            Assert.Equal(heads, (int)config["num_attention_heads"]!);
            Assert.Equal(2, (int)config["num_layers"]!);
            Assert.Equal(projection ? 16 : tokenDim, (int)config["encoder_hidden_size"]!);
            Assert.Equal(projection, (bool)config["prefix_projection"]!);
            float[] saved;
            using (var file = Safetensors.Open(Path.Combine(folder, "adapter_model.safetensors")))
            {
                Assert.Equal(["prompt_embeddings"], file.Names);
                Assert.Equal([4, 2 * 2 * tokenDim], file.Info("prompt_embeddings").Shape);
                saved = file.ReadFloats("prompt_embeddings");
            }
            // The past keys and values themselves: the table, or what the projection computes from it.
            var computed = Run(Cpu, tape => trained.Encoder.Forward(tape));
            AssertClose.BitIdentical(computed, saved, "prompt_embeddings");
            if (!projection) AssertClose.BitIdentical(trained.Encoder.Embedding.Weight.Data.ToArray<float>(), saved, "the table");

            var loaded = PrefixTuningAdapter.Load(HfCheckpoint.Load(Cpu, Fixtures.Path("hf/" + fixture)), folder);
            AssertClose.BitIdentical(saved, loaded.Encoder.Embedding.Weight.Data.ToArray<float>(), "loaded prompt_embeddings");
            Assert.False(loaded.Encoder.Projected);
            Assert.Equal(PrefixTuning.TrainableParameterCount(4, 2, tokenDim), loaded.ParameterCount(trainableOnly: true));
            using var ids = Tensor.From(Cpu, Ids, 2, 4);
            AssertClose.BitIdentical(Run(Cpu, tape => trained.Forward(tape, ids)), Run(Cpu, tape => loaded.Forward(tape, ids)), $"{fixture} logits after the round trip");
        }
        finally
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void A_prefix_for_another_model_is_refused_by_name()
    {
        string folder = TempFolder();
        try
        {
            PrefixTuningAdapter.Save(PrefixTuning.Apply(HfCheckpoint.Load(Cpu, Fixtures.Path("hf/llama-tiny")), new PrefixTuningConfig { NumVirtualTokens = 2 }, seed: 1), folder);
            var gpt2 = HfCheckpoint.Load(Cpu, Fixtures.Path("hf/gpt2-tiny"));
            var error = Assert.Throws<InvalidDataException>(() => PrefixTuningAdapter.Load(gpt2, folder));
            Assert.Contains("token_dim 24", error.Message);
            Assert.All(gpt2.Module.NamedParameters(), p => Assert.True(p.Parameter.RequiresGrad));
            Assert.Throws<InvalidDataException>(() => PromptTuningAdapter.Load(gpt2, folder));
            Assert.Contains("num_transformer_submodules 1", Assert.Throws<InvalidDataException>(() => PrefixTuningAdapter.Load(HfCheckpoint.Load(Cpu, Fixtures.Path("hf/t5-tiny")), folder)).Message);
            var bert = HfCheckpoint.Load(Cpu, Fixtures.Path("hf/bert-tiny"));
            Assert.Contains("num_attention_heads 2", Assert.Throws<InvalidDataException>(() => PrefixTuningAdapter.Load(bert, folder)).Message);
        }
        finally
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
    }
}
