using System.Text.Json.Nodes;
using LlmLab.Models.HuggingFace;
using LlmLab.Nn;

namespace LlmLab.Peft;

/// <summary>
/// Prompt-tuning adapter folders as peft writes and reads them: adapter_config.json with "peft_type":
/// "PROMPT_TUNING", task_type, num_virtual_tokens, token_dim, num_transformer_submodules, num_attention_heads,
/// num_layers, prompt_tuning_init, prompt_tuning_init_text and tokenizer_name_or_path; adapter_model.safetensors
/// with the one tensor "prompt_embeddings" [num_virtual_tokens × num_transformer_submodules, token_dim].
/// </summary>
public static class PromptTuningAdapter
{
    public const string PeftType = "PROMPT_TUNING";
    public const string TensorName = "prompt_embeddings";

    public static void Save(PromptTuning tuning, string folder)
    {
        var config = AdapterFolder.PromptLearningConfig(PeftType, tuning.Family, tuning.Prompt.VirtualTokens, tuning.TokenDim,
            tuning.Prompt.Submodules, tuning.NumAttentionHeads, tuning.NumLayers);
        config["prompt_tuning_init"] = PromptTuningConfig.Name(tuning.Config.Init);
        config["prompt_tuning_init_text"] = tuning.Config.InitText;
        config["tokenizer_name_or_path"] = tuning.Config.TokenizerNameOrPath;
        config["tokenizer_kwargs"] = null;
        var weight = tuning.Prompt.Embedding.Weight;
        AdapterFolder.Write(folder, config, [(TensorName, weight.Data.ToArray<float>(), weight.Shape.ToArray())]);
    }

    /// <summary>
    /// The prompt in <paramref name="folder"/> in front of <paramref name="model"/> (LlmLab's GPT, BERT or T5),
    /// trainable, the model frozen. token_dim and num_transformer_submodules must be the model's; the tensor's shape
    /// is checked before anything changes.
    /// </summary>
    public static PromptTuning Load(Module model, string folder)
    {
        var json = AdapterFolder.ReadConfig(folder, PeftType);
        string path = Path.Combine(folder, AdapterFolder.ConfigFile);
        int Int(string key) => json[key] is JsonValue v && v.TryGetValue(out int i) && i >= 1
            ? i : throw new InvalidDataException($"{path}: \"{key}\" must be a whole number >= 1, got {json[key]?.ToJsonString() ?? "nothing"}");
        string? Text(string key) => json[key] is JsonValue v && v.TryGetValue(out string? s) ? s : null;
        var config = new PromptTuningConfig
        {
            NumVirtualTokens = Int("num_virtual_tokens"),
            Init = PromptTuningConfig.Parse(Text("prompt_tuning_init") ?? "RANDOM"),
            InitText = Text("prompt_tuning_init_text"),
            TokenizerNameOrPath = Text("tokenizer_name_or_path"),
        };
        int tokenDim = Int("token_dim"), submodules = Int("num_transformer_submodules");

        var (width, expected) = PromptTuning.Dimensions(model);
        if (width != tokenDim || expected != submodules)
            throw new InvalidDataException(
                $"{path}: token_dim {tokenDim} and num_transformer_submodules {submodules} do not fit this model (width {width}, {expected} submodule(s))");
        float[] values;
        using (var file = AdapterFolder.OpenWeights(folder))
        {
            var unused = new HashSet<string>(file.Names);
            values = AdapterFolder.Read(file, TensorName, [config.NumVirtualTokens * submodules, tokenDim], unused);
            AdapterFolder.RequireAllUsed(file, unused, $"prompt tuning saves only '{TensorName}'");
        }
        var tuning = PromptTuning.Create(model, config, seed: 0);
        AdapterFolder.Assign(tuning.Prompt.Embedding.Weight, values);
        return tuning;
    }

    public static PromptTuning Load(HfModel model, string folder) => Load(PromptTuning.Modules(model), folder);
}
