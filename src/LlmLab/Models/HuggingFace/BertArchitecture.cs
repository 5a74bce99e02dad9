using System.Text.Json.Nodes;
using LlmLab.Backends;

namespace LlmLab.Models.HuggingFace;

/// <summary>
/// BertForMaskedLM's config.json as a <see cref="BertConfig"/>: absolute (learned) positions, post-LayerNorm encoder
/// layers, hidden_act "gelu" (exact erf), "gelu_new"/"gelu_pytorch_tanh" (tanh) or "relu". Configs LlmLab's BERT
/// would compute differently are refused by key: relative position embeddings, decoder or cross-attention use.
/// </summary>
public sealed class BertArchitecture : IHfArchitecture
{
    public string ModelType => "bert";

    public HfModel Create(IBackend backend, JsonObject config, JsonObject? generationConfig, ulong seed) =>
        new BertModel(new Bert(backend, ReadConfig(config), seed), config, generationConfig);

    // BertModel.ImportTensors's reads: the encoder with or without "bert.", legacy gamma/beta names, the MLM head.
    public Func<HfWeights, IEnumerable<(string Name, int[] Shape)>> Tensors(JsonObject config)
    {
        var c = ReadConfig(config);
        return weights => Tensors(c, weights);
    }

    private static IEnumerable<(string Name, int[] Shape)> Tensors(BertConfig c, HfWeights weights)
    {
        BertModel.RequireHead(weights);
        string prefix = weights.Contains("bert.embeddings.word_embeddings.weight") ? "bert." : "";
        int width = c.Width, inner = c.IntermediateSize;
        (string, int[]) Tensor(string name, params int[] shape) => (BertModel.Resolve(weights, name), shape);
        IEnumerable<(string, int[])> Dense(string name, int outputs, int inputs) => [Tensor(name + ".weight", outputs, inputs), Tensor(name + ".bias", outputs)];
        IEnumerable<(string, int[])> Norm(string name) => [Tensor(name + ".weight", width), Tensor(name + ".bias", width)];

        string embeddings = prefix + "embeddings.";
        yield return Tensor(embeddings + "word_embeddings.weight", c.VocabularySize, width);
        yield return Tensor(embeddings + "position_embeddings.weight", c.MaxPositions, width);
        yield return Tensor(embeddings + "token_type_embeddings.weight", c.TypeVocabularySize, width);
        foreach (var t in Norm(embeddings + "LayerNorm")) yield return t;
        for (int i = 0; i < c.Layers; i++)
        {
            string layer = $"{prefix}encoder.layer.{i}.";
            IEnumerable<(string, int[])> tensors =
            [
                .. Dense(layer + "attention.self.query", width, width), .. Dense(layer + "attention.self.key", width, width),
                .. Dense(layer + "attention.self.value", width, width), .. Dense(layer + "attention.output.dense", width, width),
                .. Norm(layer + "attention.output.LayerNorm"), .. Dense(layer + "intermediate.dense", inner, width),
                .. Dense(layer + "output.dense", width, inner), .. Norm(layer + "output.LayerNorm"),
            ];
            foreach (var t in tensors) yield return t;
        }
        foreach (var t in Dense("cls.predictions.transform.dense", width, width)) yield return t;
        foreach (var t in Norm("cls.predictions.transform.LayerNorm")) yield return t;
        if (!c.TiedEmbeddings) yield return Tensor("cls.predictions.decoder.weight", c.VocabularySize, width);
        yield return Tensor("cls.predictions.bias", c.VocabularySize);
    }

    public static BertConfig ReadConfig(JsonObject config)
    {
        string positions = config.String("position_embedding_type", "absolute");
        if (positions != "absolute")
            throw new InvalidDataException(
                $"config.json's position_embedding_type \"{positions}\" is not supported (LlmLab's BERT has learned absolute positions, \"absolute\")");
        if (config.Bool("is_decoder", false))
            throw new InvalidDataException("config.json: is_decoder true (BERT as a causal decoder) is not supported; LlmLab's BERT is the bidirectional encoder of BertForMaskedLM");
        if (config.Bool("add_cross_attention", false))
            throw new InvalidDataException("config.json: add_cross_attention true is not supported; LlmLab's BERT is an encoder without cross-attention");
        string act = config.String("hidden_act", "gelu");
        var activation = act switch
        {
            "gelu" or "gelu_python" => BertActivation.GeluErf,
            "gelu_new" or "gelu_pytorch_tanh" => BertActivation.GeluTanh,
            "relu" => BertActivation.Relu,
            _ => throw new InvalidDataException(
                $"config.json's hidden_act \"{act}\" is not supported (LlmLab's BERT takes \"gelu\" (exact), \"gelu_new\"/\"gelu_pytorch_tanh\" (tanh) or \"relu\")"),
        };
        int? pad = config.TryInt("pad_token_id");
        try
        {
            return new BertConfig
            {
                VocabularySize = config.Int("vocab_size"), Width = config.Int("hidden_size"), Layers = config.Int("num_hidden_layers"),
                Heads = config.Int("num_attention_heads"), IntermediateSize = config.Int("intermediate_size"),
                MaxPositions = config.Int("max_position_embeddings", 512), TypeVocabularySize = config.Int("type_vocab_size", 2),
                Activation = activation, NormEpsilon = config.Float("layer_norm_eps", 1e-12f),
                InitializerRange = config.Float("initializer_range", 0.02f), TiedEmbeddings = config.Bool("tie_word_embeddings", true),
                PadTokenId = pad is >= 0 ? pad : null,
            }.Validate();
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"config.json: {e.Message}", e);
        }
    }

    /// <summary>
    /// A transformers config.json for a <see cref="BertConfig"/> (a model trained from scratch, saved for
    /// transformers to read with BertForMaskedLM).
    /// </summary>
    public static JsonObject ConfigJson(BertConfig config) => new()
    {
        ["architectures"] = new JsonArray("BertForMaskedLM"),
        ["attention_probs_dropout_prob"] = 0.1,
        ["hidden_act"] = config.Activation switch
        {
            BertActivation.GeluErf => "gelu",
            BertActivation.GeluTanh => "gelu_new",
            _ => "relu",
        },
        ["hidden_dropout_prob"] = 0.1,
        ["hidden_size"] = config.Width,
        ["initializer_range"] = Decimal(config.InitializerRange),
        ["intermediate_size"] = config.IntermediateSize,
        ["layer_norm_eps"] = Decimal(config.NormEpsilon),
        ["max_position_embeddings"] = config.MaxPositions,
        ["model_type"] = "bert",
        ["num_attention_heads"] = config.Heads,
        ["num_hidden_layers"] = config.Layers,
        ["pad_token_id"] = config.PadTokenId,
        ["position_embedding_type"] = "absolute",
        ["tie_word_embeddings"] = config.TiedEmbeddings,
        ["type_vocab_size"] = config.TypeVocabularySize,
        ["vocab_size"] = config.VocabularySize,
    };

    // A float as the double its shortest text names (1e-12f as 1e-12, not 9.999999960041972e-13).
    private static double Decimal(float value) => double.Parse(value.ToString("R", System.Globalization.CultureInfo.InvariantCulture), System.Globalization.CultureInfo.InvariantCulture);
}
