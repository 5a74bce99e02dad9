using System.Text.Json.Nodes;
using LlmLab.Backends;
using LlmLab.Nn;

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
        var architecture = Architecture(config, folder);
        var tensors = architecture.Tensors(config);
        using var weights = HfWeights.Open(folder);
        CheckTensors(tensors, weights);
        HfModel model;
        using (EmptyWeights.Scope()) model = architecture.Create(backend, config, generation, seed: 0);   // no draws: every weight is read
        model.ImportTensors(weights);
        backend.ReleaseCachedMemory();
        return model;
    }

    /// <summary>
    /// The checks <see cref="Load"/> makes before it allocates anything - config.json's values as the architecture
    /// reads them, every tensor's name and shape from the safetensors headers - without loading a weight: what
    /// <c>llmlab inspect</c> runs to say whether LlmLab reads a folder. A quantised folder's config is checked, its
    /// tensors only when loaded. A problem is an <see cref="InvalidDataException"/> naming the file and key or tensor.
    /// </summary>
    public static void Check(string folder)
    {
        var (config, _) = ReadConfigs(folder);
        if (QuantizedCheckpoint.IsQuantized(config))
        {
            QuantizedCheckpoint.CheckConfig(config);
            return;
        }
        var tensors = Architecture(config, folder).Tensors(config);
        using var weights = HfWeights.Open(folder);
        CheckTensors(tensors, weights);
    }

    private static void CheckTensors(Func<HfWeights, IEnumerable<(string Name, int[] Shape)>> tensors, HfWeights weights)
    {
        foreach (var (name, shape) in tensors(weights)) weights.CheckShape(name, shape);
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
