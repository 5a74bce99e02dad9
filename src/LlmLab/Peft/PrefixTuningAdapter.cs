using System.Text.Json.Nodes;
using LlmLab.Autograd;
using LlmLab.Models.HuggingFace;
using LlmLab.Nn;

namespace LlmLab.Peft;

/// <summary>
/// Prefix-tuning adapter folders as peft writes and reads them: adapter_config.json with "peft_type":
/// "PREFIX_TUNING", task_type, num_virtual_tokens, token_dim, num_transformer_submodules (2 for T5, else 1), num_attention_heads,
/// num_layers, encoder_hidden_size, prefix_projection; adapter_model.safetensors with the one tensor
/// "prompt_embeddings" [num_virtual_tokens, num_layers × 2 × token_dim]: the past keys and values themselves, which
/// with a projection are the MLP's output (peft's get_prompt_embedding_to_save), not its weights. Like peft in
/// inference mode, loading makes them a plain table, whatever prefix_projection says.
/// </summary>
public static class PrefixTuningAdapter
{
    public const string PeftType = "PREFIX_TUNING";
    public const string TensorName = "prompt_embeddings";

    public static void Save(PrefixTuning tuning, string folder)
    {
        var config = AdapterFolder.PromptLearningConfig(PeftType, tuning.Family, tuning.Encoder.VirtualTokens, tuning.TokenDim, Submodules(tuning.Family),
            tuning.NumAttentionHeads, tuning.NumLayers);
        config["encoder_hidden_size"] = tuning.EncoderHiddenSize;
        config["prefix_projection"] = tuning.Config.PrefixProjection;
        config["init_weights"] = tuning.Config.ZeroInit ? "zero" : null;
        float[] values;
        using (var tape = new Tape(tuning.Encoder.Embedding.Weight.Backend, recordGradients: false))
            values = tuning.Encoder.Forward(tape).Data.ToArray<float>();
        AdapterFolder.Write(folder, config, [(TensorName, values, [tuning.Encoder.VirtualTokens, tuning.Encoder.OutputDim])]);
    }

    /// <summary>
    /// The prefix in <paramref name="folder"/> for <paramref name="model"/> (LlmLab's GPT, BERT or T5), trainable as a table, the
    /// model frozen. token_dim, num_attention_heads and num_layers must be the model's (key/value heads for grouped
    /// attention); the tensor's shape is checked before anything changes.
    /// </summary>
    public static PrefixTuning Load(Module model, string folder)
    {
        var (family, expectedDim, expectedHeads, expectedLayers) = PrefixTuning.Dimensions(model);
        var json = AdapterFolder.ReadConfig(folder, PeftType);
        string path = Path.Combine(folder, AdapterFolder.ConfigFile);
        int Int(string key) => json[key] is JsonValue v && v.TryGetValue(out int i) && i >= 1
            ? i : throw new InvalidDataException($"{path}: \"{key}\" must be a whole number >= 1, got {json[key]?.ToJsonString() ?? "nothing"}");
        int virtualTokens = Int("num_virtual_tokens"), tokenDim = Int("token_dim"), heads = Int("num_attention_heads"), layers = Int("num_layers");
        if (Int("num_transformer_submodules") != Submodules(family))
            throw new InvalidDataException($"{path}: num_transformer_submodules {json["num_transformer_submodules"]} does not fit this model "
                + (family == ModelFamily.EncoderDecoder ? "(an encoder-decoder: 2)" : "(one stack: 1)"));
        if (tokenDim != expectedDim || heads != expectedHeads || layers != expectedLayers)
            throw new InvalidDataException(
                $"{path}: token_dim {tokenDim}, num_attention_heads {heads} and num_layers {layers} do not fit this model "
                + $"(key/value width {expectedDim}, {expectedHeads} key/value heads, {expectedLayers} layers)");
        int? hidden = json["encoder_hidden_size"] is JsonValue h && h.TryGetValue(out int size) ? size : null;
        var config = new PrefixTuningConfig { NumVirtualTokens = virtualTokens, EncoderHiddenSize = hidden };
        float[] values;
        using (var file = AdapterFolder.OpenWeights(folder))
        {
            var unused = new HashSet<string>(file.Names);
            values = AdapterFolder.Read(file, TensorName, [virtualTokens, layers * 2 * tokenDim], unused);
            AdapterFolder.RequireAllUsed(file, unused, $"prefix tuning saves only '{TensorName}'");
        }
        return PrefixTuning.FromTable(model, config, values);
    }

    // peft's count of the stacks a prefix serves: T5's decoder reads it twice (self- and cross-attention).
    private static int Submodules(ModelFamily family) => family == ModelFamily.EncoderDecoder ? 2 : 1;

    public static PrefixTuning Load(HfModel model, string folder) => Load(PrefixTuning.Modules(model), folder);
}
