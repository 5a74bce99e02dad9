using System.Text.Json.Nodes;
using LlmLab.IO;
using LlmLab.Models.HuggingFace;
using LlmLab.Nn;
using LlmLab.Tensors;

namespace LlmLab.Cli.Inspect;

/// <summary>One tensor as its file stores it, with the parameters it stands for (a quantised weight's logical size).</summary>
public sealed record InspectedTensor(string Name, string DType, int[] Shape, long Parameters, string File);

/// <summary>
/// What <c>llmlab inspect</c> reports about a .safetensors file or a Hugging Face model folder: its tensors in file
/// order, the parameter count, and for a folder the model type, architecture and the config values that give its
/// shape. Read from the headers and config.json only: no weight is loaded, and a folder of an architecture LlmLab
/// does not run can be inspected too. Whether LlmLab reads a folder comes from the checks loading makes
/// (<see cref="HfCheckpoint.Check"/>), with the first problem they find.
/// </summary>
public sealed record Inspection(
    string Path,
    bool IsFolder,
    string? ModelType,
    string? Architecture,
    bool? Supported,
    string? Quantization,
    IReadOnlyList<(string Key, JsonNode? Value)> Config,
    IReadOnlyDictionary<string, string> Metadata,
    IReadOnlyList<InspectedTensor> Tensors)
{
    /// <summary>config.json keys that describe a model's shape, in the order they are reported (the first spelling
    /// of each idea that a config has: GPT-2's n_embd, BERT's hidden_size, T5's d_model, ...).</summary>
    private static readonly string[] ShapeKeys =
    [
        "vocab_size", "n_embd", "hidden_size", "d_model", "n_layer", "num_hidden_layers", "num_layers",
        "num_decoder_layers", "n_head", "num_attention_heads", "num_heads", "num_key_value_heads", "n_inner",
        "intermediate_size", "d_ff", "d_kv", "n_positions", "max_position_embeddings", "activation_function",
        "hidden_act", "feed_forward_proj", "layer_norm_epsilon", "layer_norm_eps", "rms_norm_eps",
        "tie_word_embeddings", "rope_theta", "dtype", "torch_dtype",
    ];

    public long ParameterCount => Tensors.Sum(t => t.Parameters);

    /// <summary>Why loading would refuse the folder (the first problem its checks find); null when LlmLab reads it.</summary>
    public string? Problem { get; init; }

    public static Inspection Of(string path)
    {
        if (Directory.Exists(path)) return OfFolder(path);
        if (File.Exists(path)) return OfFile(path);
        throw new FileNotFoundException($"{path}: no such file or folder");
    }

    private static Inspection OfFile(string path)
    {
        using var file = Safetensors.Open(path);
        string name = System.IO.Path.GetFileName(path);
        var tensors = file.Tensors.Select(t => new InspectedTensor(t.Name, t.DType.ToString(), t.Shape, t.ElementCount, name)).ToList();
        return new Inspection(path, false, null, null, null, null, [], new Dictionary<string, string>(file.Metadata), tensors);
    }

    private static Inspection OfFolder(string folder)
    {
        var (config, _) = HfCheckpoint.ReadConfigs(folder);
        string type = config.String("model_type", "");
        string architecture = config["architectures"] is JsonArray { Count: > 0 } list && list[0] is JsonValue v && v.TryGetValue(out string? a) ? a : type;
        bool quantized = QuantizedCheckpoint.IsQuantized(config);
        WeightFormat? format = quantized ? WeightFormats.Parse(((JsonObject)config[QuantizedCheckpoint.ConfigKey]!).String("format", "")) : null;

        var values = ShapeKeys.Where(config.ContainsKey).Select(k => (k, config[k])).ToList();
        if (config["rope_parameters"] is JsonObject rope && rope["rope_theta"] is { } theta) values.Add(("rope_parameters.rope_theta", theta));

        using var weights = HfWeights.Open(folder);
        var tensors = new List<InspectedTensor>();
        foreach (var file in weights.Files)
        {
            string fileName = System.IO.Path.GetFileName(file.Path);
            foreach (var t in file.Tensors)
                tensors.Add(new InspectedTensor(t.Name, t.DType.ToString(), t.Shape, Parameters(t, format), fileName));
        }
        var metadata = weights.Files.Count == 1 ? new Dictionary<string, string>(weights.Files[0].Metadata) : [];
        string? problem = LoadingProblem(folder);
        return new Inspection(folder, true, type, architecture, problem is null, format?.Name(), values, metadata, tensors) { Problem = problem };
    }

    // Loading's own checks of config.json and the tensor headers, so that "LlmLab reads it" means forward will.
    private static string? LoadingProblem(string folder)
    {
        try
        {
            HfCheckpoint.Check(folder);
            return null;
        }
        catch (Exception e) when (e is InvalidDataException or SafetensorsException)
        {
            return e.Message;
        }
    }

    // In an LlmLab-quantised folder a Q8_0/Q4_0 weight is U8 [out, bytes a row] and an int8 weight's row scales are
    // not parameters of the model: count what the tensors stand for.
    private static long Parameters(SafetensorsTensorInfo t, WeightFormat? format)
    {
        if (format is null) return t.ElementCount;
        if (t.Name.EndsWith(".weight" + QuantizedCheckpoint.ScaleSuffix, StringComparison.Ordinal)) return 0;
        if (t.DType == SafetensorsDType.U8 && t.Shape.Length == 2 && format is WeightFormat.Q8_0 or WeightFormat.Q4_0)
        {
            var dtype = format == WeightFormat.Q8_0 ? DType.Q8_0 : DType.Q4_0;
            return (long)t.Shape[0] * (t.Shape[1] / dtype.BlockBytes() * dtype.BlockLength());
        }
        return t.ElementCount;
    }
}
