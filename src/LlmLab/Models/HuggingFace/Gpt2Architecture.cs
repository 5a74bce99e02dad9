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
