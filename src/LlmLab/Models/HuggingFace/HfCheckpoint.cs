using System.Text.Json.Nodes;
using LlmLab.Backends;

namespace LlmLab.Models.HuggingFace;

/// <summary>
/// Reads a Hugging Face model folder (config.json, generation_config.json, model.safetensors or its sharded index)
/// into LlmLab modules, choosing the architecture by config.json's model_type.
/// </summary>
public static class HfCheckpoint
{
    /// <summary>The architectures LlmLab reads, by model_type.</summary>
    public static readonly IReadOnlyList<IHfArchitecture> Architectures =
        [new Gpt2Architecture(), new LlamaArchitecture(), new BertArchitecture(), new T5Architecture()];

    public static HfModel Load(IBackend backend, string folder)
    {
        var (config, generation) = ReadConfigs(folder);
        if (QuantizedCheckpoint.IsQuantized(config)) return QuantizedCheckpoint.Load(backend, folder, config, generation);
        var model = Architecture(config, folder).Create(backend, config, generation, seed: 0);
        using var weights = HfWeights.Open(folder);
        model.ImportTensors(weights);
        return model;
    }

    /// <summary>A freshly initialised model of the shape a config describes (training from scratch).</summary>
    public static HfModel Create(IBackend backend, JsonObject config, ulong seed, JsonObject? generationConfig = null) =>
        Architecture(config, "config.json").Create(backend, config, generationConfig, seed);

    public static (JsonObject Config, JsonObject? Generation) ReadConfigs(string folder)
    {
        if (!Directory.Exists(folder)) throw new InvalidDataException($"{folder}: no such folder");
        string configPath = Path.Combine(folder, "config.json");
        if (!File.Exists(configPath)) throw new InvalidDataException($"{folder}: no config.json (is this a Hugging Face model folder?)");
        var config = HfConfig.Read(configPath);
        string generationPath = Path.Combine(folder, "generation_config.json");
        return (config, File.Exists(generationPath) ? HfConfig.Read(generationPath) : null);
    }

    private static IHfArchitecture Architecture(JsonObject config, string where)
    {
        string type = config.String("model_type", "");
        return Architectures.FirstOrDefault(a => a.ModelType == type)
               ?? throw new InvalidDataException(
                   $"{where}: model_type \"{type}\" is not one LlmLab reads ({string.Join(", ", Architectures.Select(a => a.ModelType))})");
    }
}
