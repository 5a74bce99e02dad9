using System.Text.Json.Nodes;
using LlmLab.Backends;
using LlmLab.Nn;

namespace LlmLab.Models.HuggingFace;

/// <summary>
/// LlamaForCausalLM's config.json as a <see cref="GptConfig"/>: rotary positions ("rotate half", theta from
/// <c>rope_theta</c> at the top level as older configs write it, or in <c>rope_parameters</c> as transformers 5
/// does), RMSNorm, a SwiGLU MLP, grouped-query attention (num_key_value_heads), a tied or untied head. RoPE
/// scaling variants (linear, dynamic, llama3, yarn) are refused rather than silently ignored.
/// </summary>
public sealed class LlamaArchitecture : IHfArchitecture
{
    public string ModelType => "llama";

    public HfModel Create(IBackend backend, JsonObject config, JsonObject? generationConfig, ulong seed) =>
        new LlamaModel(new Gpt(backend, ReadConfig(config), seed), config, generationConfig);

    // LlamaModel's tensors: [out, in] linears named as transformers names them, an lm_head only when untied.
    public Func<HfWeights, IEnumerable<(string Name, int[] Shape)>> Tensors(JsonObject config)
    {
        var c = ReadConfig(config);
        return weights => Tensors(c, weights);
    }

    private static IEnumerable<(string Name, int[] Shape)> Tensors(GptConfig c, HfWeights weights)
    {
        int width = c.Width, hidden = c.MlpHidden, keyValue = c.KvHeads * (width / c.Heads);
        yield return ("model.embed_tokens.weight", [c.VocabularySize, width]);
        for (int i = 0; i < c.Layers; i++)
        {
            string layer = $"model.layers.{i}.";
            yield return (layer + "input_layernorm.weight", [width]);
            foreach (var (name, outputs, inputs) in new[]
                     {
                         ("self_attn.q_proj", width, width), ("self_attn.k_proj", keyValue, width), ("self_attn.v_proj", keyValue, width),
                         ("self_attn.o_proj", width, width), ("mlp.gate_proj", hidden, width), ("mlp.up_proj", hidden, width),
                         ("mlp.down_proj", width, hidden),
                     })
            {
                yield return (layer + name + ".weight", [outputs, inputs]);
                if (c.Bias) yield return (layer + name + ".bias", [outputs]);
            }
            yield return (layer + "post_attention_layernorm.weight", [width]);
        }
        yield return ("model.norm.weight", [width]);
        if (!c.TiedEmbeddings) yield return ("lm_head.weight", [c.VocabularySize, width]);
    }

    public static GptConfig ReadConfig(JsonObject config)
    {
        string activation = config.String("hidden_act", "silu");
        if (activation != "silu")
            throw new InvalidDataException($"config.json's hidden_act \"{activation}\" is not supported (Llama's SwiGLU uses \"silu\")");
        int width = config.Int("hidden_size"), heads = config.Int("num_attention_heads");
        int headDim = config.TryInt("head_dim") ?? width / heads;
        if (headDim * heads != width)
            throw new InvalidDataException($"config.json: head_dim {headDim} x {heads} heads differs from hidden_size {width}, which LlmLab's attention does not support");
        bool attentionBias = config.Bool("attention_bias", false), mlpBias = config.Bool("mlp_bias", false);
        if (attentionBias != mlpBias)
            throw new InvalidDataException($"config.json: attention_bias {attentionBias} with mlp_bias {mlpBias} is not supported (both or neither)");
        if (config.Int("pretraining_tp", 1) != 1)
            throw new InvalidDataException("config.json: pretraining_tp other than 1 is not supported");
        try
        {
            return new GptConfig
            {
                VocabularySize = config.Int("vocab_size"), Context = config.Int("max_position_embeddings"),
                Layers = config.Int("num_hidden_layers"), Heads = heads, KeyValueHeads = config.Int("num_key_value_heads", heads),
                Width = width, MlpRatio = (float)config.Int("intermediate_size") / width,
                Norm = NormKind.RmsNorm, Mlp = MlpKind.SwiGlu, Positions = PositionKind.Rotary, RopeTheta = RopeTheta(config),
                TiedEmbeddings = config.Bool("tie_word_embeddings", false), Bias = attentionBias,
                NormEpsilon = config.Float("rms_norm_eps", 1e-6f),
            }.Validate();
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"config.json: {e.Message}", e);
        }
    }

    // transformers 5 moved rope_theta into rope_parameters (and rope_scaling into it too); older configs keep both
    // at the top level.
    private static float RopeTheta(JsonObject config)
    {
        var parameters = config["rope_parameters"] as JsonObject ?? config["rope_scaling"] as JsonObject;
        string type = parameters?.String("rope_type", parameters.String("type", "default")) ?? "default";
        if (type != "default")
            throw new InvalidDataException($"config.json: RoPE scaling \"{type}\" is not supported (only the default rotary embedding)");
        return parameters?["rope_theta"] is not null ? parameters.Float("rope_theta") : config.Float("rope_theta", 10000f);
    }
}
