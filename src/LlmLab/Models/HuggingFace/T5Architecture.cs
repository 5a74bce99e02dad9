using System.Text.Json.Nodes;
using LlmLab.Backends;

namespace LlmLab.Models.HuggingFace;

/// <summary>
/// T5ForConditionalGeneration's config.json as a <see cref="T5Config"/>: d_model, d_kv, d_ff, num_layers,
/// num_decoder_layers, num_heads, the relative position buckets, layer_norm_epsilon, feed_forward_proj ("relu",
/// "gated-gelu" = the tanh GELU, "gelu" = the erf GELU, "gated-relu", "gated-silu", "silu"), tie_word_embeddings and scale_decoder_outputs
/// (transformers 5 writes it; older configs scale exactly when tied).
/// </summary>
public sealed class T5Architecture : IHfArchitecture
{
    public string ModelType => "t5";

    public HfModel Create(IBackend backend, JsonObject config, JsonObject? generationConfig, ulong seed) =>
        new T5Model(new T5(backend, ReadConfig(config), seed), config, generationConfig);

    // T5Model's tensors: name for name, [out, in] linears, the relative bias in each stack's first block only,
    // "shared.weight" (or an older file's "encoder.embed_tokens.weight"), an lm_head only when untied.
    public Func<HfWeights, IEnumerable<(string Name, int[] Shape)>> Tensors(JsonObject config)
    {
        var c = ReadConfig(config);
        return weights => Tensors(c, weights);
    }

    private static IEnumerable<(string Name, int[] Shape)> Tensors(T5Config c, HfWeights weights)
    {
        int width = c.Width, inner = c.InnerWidth, hidden = c.FeedForwardWidth;
        bool older = !weights.Contains("shared.weight") && weights.Contains("encoder.embed_tokens.weight");
        yield return (older ? "encoder.embed_tokens.weight" : "shared.weight", [c.VocabularySize, width]);
        foreach (var (stack, layers) in new[] { ("encoder", c.EncoderLayers), ("decoder", c.DecoderLayers) })
        {
            bool decoder = stack == "decoder";
            for (int i = 0; i < layers; i++)
            {
                string block = $"{stack}.block.{i}.";
                foreach (var t in Attention(block + "layer.0.SelfAttention.", relativeBias: i == 0)) yield return t;
                yield return (block + "layer.0.layer_norm.weight", [width]);
                if (decoder)
                {
                    foreach (var t in Attention(block + "layer.1.EncDecAttention.", relativeBias: false)) yield return t;
                    yield return (block + "layer.1.layer_norm.weight", [width]);
                }
                string feedForward = block + (decoder ? "layer.2." : "layer.1.");
                string[] inputs = c.Gated ? ["wi_0", "wi_1"] : ["wi"];
                foreach (string wi in inputs) yield return ($"{feedForward}DenseReluDense.{wi}.weight", [hidden, width]);
                yield return (feedForward + "DenseReluDense.wo.weight", [width, hidden]);
                yield return (feedForward + "layer_norm.weight", [width]);
            }
            yield return ($"{stack}.final_layer_norm.weight", [width]);
        }
        if (!c.TiedEmbeddings) yield return ("lm_head.weight", [c.VocabularySize, width]);

        IEnumerable<(string, int[])> Attention(string prefix, bool relativeBias)
        {
            yield return (prefix + "q.weight", [inner, width]);
            yield return (prefix + "k.weight", [inner, width]);
            yield return (prefix + "v.weight", [inner, width]);
            yield return (prefix + "o.weight", [width, inner]);
            if (relativeBias) yield return (prefix + "relative_attention_bias.weight", [c.RelativeBuckets, c.Heads]);
        }
    }

    public static T5Config ReadConfig(JsonObject config)
    {
        var (activation, gated) = FeedForward(config.String("feed_forward_proj", "relu"));
        bool tied = config.Bool("tie_word_embeddings", true);
        int layers = config.Int("num_layers");
        try
        {
            return new T5Config
            {
                VocabularySize = config.Int("vocab_size"), Width = config.Int("d_model"), HeadDim = config.Int("d_kv"),
                FeedForwardWidth = config.Int("d_ff"), EncoderLayers = layers, DecoderLayers = config.TryInt("num_decoder_layers") ?? layers,
                Heads = config.Int("num_heads"), RelativeBuckets = config.Int("relative_attention_num_buckets", 32),
                RelativeMaxDistance = config.Int("relative_attention_max_distance", 128), NormEpsilon = config.Float("layer_norm_epsilon", 1e-6f),
                Activation = activation, Gated = gated, TiedEmbeddings = tied,
                ScaleDecoderOutputs = config["scale_decoder_outputs"] is null ? null : config.Bool("scale_decoder_outputs", tied),
            }.Validate();
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"config.json: {e.Message}", e);
        }
    }

    // transformers' T5Config: "{gated-}{activation}", where "gated-gelu" means the tanh GELU ("gelu_new") and a plain
    // "gelu" the exact one.
    private static (T5Activation Activation, bool Gated) FeedForward(string projection)
    {
        var parts = projection.Split('-');
        bool gated = parts.Length == 2 && parts[0] == "gated";
        if (parts.Length > 2 || parts.Length == 2 && !gated)
            throw new InvalidDataException($"config.json's feed_forward_proj \"{projection}\" is not of the form \"{{activation}}\" or \"gated-{{activation}}\"");
        return parts[^1] switch
        {
            "relu" => (T5Activation.Relu, gated),
            "gelu" => (gated ? T5Activation.GeluTanh : T5Activation.GeluErf, gated),
            "gelu_new" or "gelu_pytorch_tanh" => (T5Activation.GeluTanh, gated),
            "silu" or "swish" => (T5Activation.Silu, gated),
            _ => throw new InvalidDataException(
                $"config.json's feed_forward_proj \"{projection}\" is not supported (LlmLab's T5 reads relu, gelu, gelu_new, silu and their gated forms)"),
        };
    }
}
