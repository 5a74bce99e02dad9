using System.Text.Json.Nodes;
using LlmLab.Backends;

namespace LlmLab.Models.HuggingFace;

/// <summary>
/// GPT2LMHeadModel's config.json as a <see cref="GptConfig"/>: learned positions, pre-LayerNorm blocks with biases,
/// the tanh GELU ("gelu_new"), a head tied to the token embedding.
/// </summary>
public sealed class Gpt2Architecture : IHfArchitecture
{
    public string ModelType => "gpt2";

    public HfModel Create(IBackend backend, JsonObject config, JsonObject? generationConfig, ulong seed) =>
        new Gpt2Model(new Gpt(backend, ReadConfig(config), seed), config, generationConfig);

    // Gpt2Model.ImportTensors's reads: Conv1D weights [in, out], c_attn fused [C, 3C], with or without "transformer.".
    public Func<HfWeights, IEnumerable<(string Name, int[] Shape)>> Tensors(JsonObject config)
    {
        var c = ReadConfig(config);
        return weights => Tensors(c, weights);
    }

    private static IEnumerable<(string Name, int[] Shape)> Tensors(GptConfig c, HfWeights weights)
    {
        string prefix = weights.Contains("transformer.wte.weight") ? "transformer." : "";
        int width = c.Width, hidden = c.MlpHidden;
        yield return (prefix + "wte.weight", [c.VocabularySize, width]);
        yield return (prefix + "wpe.weight", [c.Context, width]);
        for (int i = 0; i < c.Layers; i++)
        {
            string h = $"{prefix}h.{i}.";
            foreach (string norm in new[] { "ln_1", "ln_2" })
            {
                yield return ($"{h}{norm}.weight", [width]);
                yield return ($"{h}{norm}.bias", [width]);
            }
            yield return ($"{h}attn.c_attn.weight", [width, 3 * width]);
            yield return ($"{h}attn.c_attn.bias", [3 * width]);
            yield return ($"{h}attn.c_proj.weight", [width, width]);
            yield return ($"{h}attn.c_proj.bias", [width]);
            yield return ($"{h}mlp.c_fc.weight", [width, hidden]);
            yield return ($"{h}mlp.c_fc.bias", [hidden]);
            yield return ($"{h}mlp.c_proj.weight", [hidden, width]);
            yield return ($"{h}mlp.c_proj.bias", [width]);
        }
        yield return (prefix + "ln_f.weight", [width]);
        yield return (prefix + "ln_f.bias", [width]);
    }

    public static GptConfig ReadConfig(JsonObject config)
    {
        string activation = config.String("activation_function", "gelu_new");
        if (activation is not ("gelu_new" or "gelu_pytorch_tanh"))
            throw new InvalidDataException($"config.json's activation_function \"{activation}\" is not supported (LlmLab's GPT-2 GELU is the tanh form, \"gelu_new\")");
        if (!config.Bool("tie_word_embeddings", true))
            throw new InvalidDataException("config.json: an untied GPT-2 head (tie_word_embeddings false) is not supported");
        int width = config.Int("n_embd");
        int inner = config.TryInt("n_inner") ?? 4 * width;
        try
        {
            return new GptConfig
            {
                VocabularySize = config.Int("vocab_size"), Context = config.Int("n_positions"), Layers = config.Int("n_layer"),
                Heads = config.Int("n_head"), Width = width, MlpRatio = (float)inner / width,
                NormEpsilon = config.Float("layer_norm_epsilon", 1e-5f),
            }.Validate();
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"config.json: {e.Message}", e);
        }
    }
}
