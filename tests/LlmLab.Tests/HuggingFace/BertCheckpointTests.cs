using System.Text.Json.Nodes;
using LlmLab.Autograd;
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
/// A BertForMaskedLM made by transformers (tests/fixtures/hf/bert-tiny: 2 layers, 4 heads, width 48,
/// vocabulary 512, random weights) loaded into LlmLab's Bert: logits at every position (padded ones included) within
/// 1e-4 of transformers' on every backend, with row 1's last 4 positions masked out as keys; saving writes the
/// same tensors and config back.
/// </summary>
[Collection("backends")]
public class BertCheckpointTests(ITestOutputHelper output)
{
    public static TheoryData<string> Backends => TestBackends.All;

    private static readonly string Folder = Fixtures.Path("hf/bert-tiny");

    [Theory, MemberData(nameof(Backends))]
    public void Logits_match_transformers_with_padding(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        var model = HfCheckpoint.Load(backend, Folder);
        Assert.IsType<BertModel>(model);
        Assert.Equal(ModelFamily.EncoderOnly, model.Family);
        using var expected = Safetensors.Open(Path.Combine(Folder, "expected.safetensors"));
        using var ids = expected.ReadTensor(backend, "input_ids");
        using var mask = expected.ReadTensor(backend, "attention_mask");
        Assert.Equal(4, expected.ReadInt64("attention_mask").Count(m => m == 0));   // the padding is really there
        using var tape = new Tape(backend, recordGradients: false);
        var logits = model.Forward(tape, new ModelInputs(ids, mask));
        Assert.Equal(new Shape(2, 24, 512), logits.Shape);
        var actual = logits.Data.ToArray<float>();
        var reference = expected.ReadFloats("logits");
        output.WriteLine($"{backendName}: max |logits - transformers| = {reference.Zip(actual, (e, a) => Math.Abs(e - a)).Max():E3}");
        AssertClose.Within(reference.Select(v => (double)v).ToArray(), actual, 1e-4, 0, "BERT logits vs transformers");
    }

    [Fact]
    public void Without_the_mask_the_padded_row_changes_so_the_mask_is_what_matches()
    {
        var backend = TestBackends.Get("cpu");
        var model = HfCheckpoint.Load(backend, Folder);
        using var expected = Safetensors.Open(Path.Combine(Folder, "expected.safetensors"));
        using var ids = expected.ReadTensor(backend, "input_ids");
        using var tape = new Tape(backend, recordGradients: false);
        var logits = model.Forward(tape, new ModelInputs(ids)).Data.ToArray<float>();
        var reference = expected.ReadFloats("logits");
        int row = 24 * 512;
        // Row 0 has no padding: the same logits. Row 1 attends to its padding without the mask: logits that move by
        // several times the 1e-4 tolerance (9.3e-4 when written; these random weights keep every logit small).
        AssertClose.Within(reference[..row].Select(v => (double)v).ToArray(), logits[..row], 1e-4, 0, "unpadded row");
        float change = reference[row..].Zip(logits[row..], (e, a) => Math.Abs(e - a)).Max();
        output.WriteLine($"padded row without the mask: max change {change:E3}");
        Assert.True(change > 5e-4, $"attending to the padding changed row 1 by only {change:E3}");
    }

    [Fact]
    public void Saving_writes_what_transformers_wrote()
    {
        var model = HfCheckpoint.Load(TestBackends.Get("cpu"), Folder);
        using var folder = new TempFiles();
        model.Save(folder.Directory);
        using var original = Safetensors.Open(Path.Combine(Folder, "model.safetensors"));
        using var saved = Safetensors.Open(Path.Combine(folder.Directory, "model.safetensors"));
        Assert.Equal(original.Names, saved.Names);   // the same names in the same (sorted) order
        foreach (var name in original.Names)
        {
            Assert.Equal(original.Info(name).Shape, saved.Info(name).Shape);
            Assert.Equal(original.ReadBytes(name), saved.ReadBytes(name));
        }
        Assert.Equal(HfConfig.Read(Path.Combine(Folder, "config.json")).ToJsonString(), HfConfig.Read(Path.Combine(folder.Directory, "config.json")).ToJsonString());
        // Sorted names, the same metadata and header padding: the whole file is the one save_pretrained wrote.
        Assert.Equal(File.ReadAllBytes(Path.Combine(Folder, "model.safetensors")), File.ReadAllBytes(Path.Combine(folder.Directory, "model.safetensors")));
    }

    [Fact]
    public void Names_without_the_bert_prefix_and_legacy_layer_norm_names_load_the_same_model()
    {
        var backend = TestBackends.Get("cpu");
        using var folder = new TempFiles();
        File.Copy(Path.Combine(Folder, "config.json"), Path.Combine(folder.Directory, "config.json"));
        using (var original = Safetensors.Open(Path.Combine(Folder, "model.safetensors")))
        {
            var writer = new SafetensorsWriter();
            foreach (var name in original.Names)
            {
                string renamed = name.StartsWith("bert.", StringComparison.Ordinal) ? name["bert.".Length..] : name;
                renamed = renamed.Replace("LayerNorm.weight", "LayerNorm.gamma").Replace("LayerNorm.bias", "LayerNorm.beta");
                writer.Add(renamed, original.ReadFloats(name), original.Info(name).Shape.Select(d => (int)d).ToArray());
            }
            writer.Add("pooler.dense.weight", new float[48 * 48], 48, 48);   // unused tensors are ignored
            writer.Save(Path.Combine(folder.Directory, "model.safetensors"));
        }
        var renamedModel = HfCheckpoint.Load(backend, folder.Directory);
        var model = HfCheckpoint.Load(backend, Folder);
        foreach (var ((name, a), (_, b)) in model.ExportTensors().Select(t => (t.Name, t.Values)).Zip(renamedModel.ExportTensors().Select(t => (t.Name, t.Values))))
            Assert.True(a.SequenceEqual(b), $"{name} differs");
    }

    [Fact]
    public void Linear_modules_carry_transformers_paths()
    {
        var model = HfCheckpoint.Load(TestBackends.Get("cpu"), Folder);
        var modules = model.LinearModules;
        Assert.Equal(2 * 6 + 1, modules.Count);
        foreach (string path in new[] { "bert.encoder.layer.0.attention.self.query", "bert.encoder.layer.1.attention.self.value",
                     "bert.encoder.layer.1.attention.output.dense", "bert.encoder.layer.0.intermediate.dense", "bert.encoder.layer.0.output.dense",
                     "cls.predictions.transform.dense" })
            Assert.Single(modules[path]);
        var query = (BertModel)model;
        Assert.Same(query.Bert.Layers[0].Query, modules["bert.encoder.layer.0.attention.self.query"][0].Layer);
    }

    [Fact]
    public void Generate_is_not_what_an_encoder_does()
    {
        var model = HfCheckpoint.Load(TestBackends.Get("cpu"), Folder);
        var e = Assert.Throws<NotSupportedException>(() => model.Generate([1, 2, 3], new GenerationOptions { MaxNewTokens = 2 }));
        Assert.Contains("encoder-only", e.Message);
    }

    [Theory]
    [InlineData("position_embedding_type", "\"relative_key\"", "position_embedding_type \"relative_key\" is not supported")]
    [InlineData("hidden_act", "\"swish\"", "hidden_act \"swish\" is not supported")]
    [InlineData("is_decoder", "true", "is_decoder true")]
    [InlineData("num_attention_heads", "5", "width 48 must be a positive multiple of heads 5")]
    [InlineData("hidden_size", "\"big\"", "\"hidden_size\" should be an integer")]
    public void A_config_it_cannot_honour_is_refused_by_key(string key, string json, string message)
    {
        using var folder = new TempFiles();
        var config = HfConfig.Read(Path.Combine(Folder, "config.json"));
        config[key] = JsonNode.Parse(json);
        folder.Write("config.json", config.ToJsonString());
        File.Copy(Path.Combine(Folder, "model.safetensors"), Path.Combine(folder.Directory, "model.safetensors"));
        var e = Assert.Throws<InvalidDataException>(() => HfCheckpoint.Load(TestBackends.Get("cpu"), folder.Directory));
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void A_missing_or_misshapen_tensor_is_named()
    {
        var backend = TestBackends.Get("cpu");
        using var original = Safetensors.Open(Path.Combine(Folder, "model.safetensors"));
        string Load(Func<string, bool> keep, Func<string, int[], (float[], int[])>? change = null)
        {
            using var folder = new TempFiles();
            File.Copy(Path.Combine(Folder, "config.json"), Path.Combine(folder.Directory, "config.json"));
            var writer = new SafetensorsWriter();
            foreach (var name in original.Names.Where(keep))
            {
                var shape = original.Info(name).Shape.Select(d => (int)d).ToArray();
                var (values, newShape) = change?.Invoke(name, shape) ?? (original.ReadFloats(name), shape);
                writer.Add(name, values, newShape);
            }
            writer.Save(Path.Combine(folder.Directory, "model.safetensors"));
            return Assert.Throws<InvalidDataException>(() => HfCheckpoint.Load(backend, folder.Directory)).Message;
        }

        Assert.Contains("'bert.encoder.layer.1.attention.self.key.weight'", Load(n => n != "bert.encoder.layer.1.attention.self.key.weight"));
        Assert.Contains("no masked-LM head", Load(n => !n.StartsWith("cls.", StringComparison.Ordinal)));
        string shapeError = Load(_ => true, (name, shape) => name == "bert.embeddings.position_embeddings.weight" ? (new float[32 * 48], [32, 48]) : (original.ReadFloats(name), shape));
        Assert.Contains("'bert.embeddings.position_embeddings.weight' is [32, 48], config.json implies [64, 48]", shapeError);
    }

    [Fact]
    public void An_untied_head_saves_its_decoder_and_loads_it_back()
    {
        var backend = TestBackends.Get("cpu");
        var config = BertArchitecture.ConfigJson(new BertConfig { VocabularySize = 40, Width = 16, Layers = 1, Heads = 2, IntermediateSize = 32, MaxPositions = 8, TiedEmbeddings = false });
        var model = HfCheckpoint.Create(backend, config, seed: 3);
        using var folder = new TempFiles();
        model.Save(folder.Directory);
        using (var saved = Safetensors.Open(Path.Combine(folder.Directory, "model.safetensors")))
            Assert.Contains("cls.predictions.decoder.weight", saved.Names);
        var loaded = HfCheckpoint.Load(backend, folder.Directory);
        using var ids = Tensor.From(backend, new[] { 1, 5, 7, 0, 2, 3, 4, 9 }, 2, 4);
        using var mask = Tensor.From(backend, new[] { 1, 1, 1, 0, 1, 1, 1, 1 }, 2, 4);
        using var tape = new Tape(backend, recordGradients: false);
        Assert.Equal(model.Forward(tape, new ModelInputs(ids, mask)).Data.ToArray<float>(), loaded.Forward(tape, new ModelInputs(ids, mask)).Data.ToArray<float>());
    }
}
