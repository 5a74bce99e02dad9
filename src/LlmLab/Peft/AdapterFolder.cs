using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using LlmLab.Autograd;
using LlmLab.IO;
using LlmLab.Models.HuggingFace;

namespace LlmLab.Peft;

/// <summary>
/// What every adapter folder shares, whatever the method: adapter_config.json (its "peft_type" names the method)
/// beside adapter_model.safetensors, f32 tensors written with the "pt" format tag as peft's save_pretrained writes.
/// </summary>
internal static class AdapterFolder
{
    public const string ConfigFile = "adapter_config.json";
    public const string WeightsFile = "adapter_model.safetensors";

    /// <summary>peft's task_type for a family; BERT (a masked-LM, no peft task) is read as feature extraction.</summary>
    public static string TaskType(ModelFamily family) => family switch
    {
        ModelFamily.DecoderOnly => "CAUSAL_LM",
        ModelFamily.EncoderDecoder => "SEQ_2_SEQ_LM",
        _ => "FEATURE_EXTRACTION",
    };

    /// <summary>The fields peft's PromptLearningConfig gives prompt tuning and prefix tuning alike, in peft's order.</summary>
    public static JsonObject PromptLearningConfig(string peftType, ModelFamily family, int virtualTokens, int tokenDim, int submodules,
        int attentionHeads, int layers) => new()
    {
        ["peft_type"] = peftType,
        ["task_type"] = TaskType(family),
        ["base_model_name_or_path"] = null,
        ["revision"] = null,
        ["inference_mode"] = true,
        ["num_virtual_tokens"] = virtualTokens,
        ["token_dim"] = tokenDim,
        ["num_transformer_submodules"] = submodules,
        ["num_attention_heads"] = attentionHeads,
        ["num_layers"] = layers,
        ["modules_to_save"] = null,
    };

    public static void Write(string folder, JsonObject config, IEnumerable<(string Name, float[] Values, int[] Shape)> tensors)
    {
        Directory.CreateDirectory(folder);
        var writer = new SafetensorsWriter();
        writer.Metadata["format"] = "pt";
        foreach (var (name, values, shape) in tensors) writer.Add(name, values, shape);
        writer.Save(Path.Combine(folder, WeightsFile));
        AtomicFile.WriteAllText(Path.Combine(folder, ConfigFile), config.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
    }

    /// <summary>The config as a JSON object whose peft_type is <paramref name="peftType"/>; anything else is named.</summary>
    public static JsonObject ReadConfig(string folder, string peftType)
    {
        string path = Path.Combine(folder, ConfigFile);
        if (!File.Exists(path)) throw new InvalidDataException($"{folder}: no {ConfigFile} (is this an adapter folder?)");
        JsonNode? root;
        try { root = JsonNode.Parse(File.ReadAllText(path)); }
        catch (JsonException e) { throw new InvalidDataException($"{path}: not valid JSON ({e.Message})", e); }
        if (root is not JsonObject config) throw new InvalidDataException($"{path}: expected a JSON object");
        string? actual = config["peft_type"] is JsonValue v && v.TryGetValue(out string? s) ? s : null;
        if (actual != peftType)
            throw new InvalidDataException($"{path}: \"peft_type\" is {(actual is null ? "missing" : $"\"{actual}\"")}, expected \"{peftType}\"");
        return config;
    }

    public static Safetensors OpenWeights(string folder)
    {
        string path = Path.Combine(folder, WeightsFile);
        if (!File.Exists(path)) throw new InvalidDataException($"{folder}: no {WeightsFile}");
        return Safetensors.Open(path);
    }

    /// <summary>A tensor that must exist with this shape; it is struck off <paramref name="unused"/>.</summary>
    public static float[] Read(Safetensors file, string name, int[] shape, HashSet<string> unused)
    {
        if (!file.Contains(name)) throw new InvalidDataException($"{file.Path}: no tensor '{name}'");
        var actual = file.Info(name).Shape;
        if (!actual.SequenceEqual(shape))
            throw new InvalidDataException($"{file.Path}: '{name}' is [{string.Join(", ", actual)}], the model implies [{string.Join(", ", shape)}]");
        unused.Remove(name);
        return file.ReadFloats(name);
    }

    /// <summary>Tensors the model has no place for are an error, as a misnamed adapter would otherwise load as nothing.</summary>
    public static void RequireAllUsed(Safetensors file, HashSet<string> unused, string expected)
    {
        if (unused.Count > 0)
            throw new InvalidDataException(
                $"{file.Path}: '{unused.Order(StringComparer.Ordinal).First()}' (and {unused.Count - 1} more) matches nothing in this model ({expected})");
    }

    /// <summary>Overwrites a parameter's values (the count checked by the caller's shape check).</summary>
    public static void Assign(Variable parameter, float[] values)
    {
        var data = parameter.Data;
        if (values.Length != data.ElementCount)
            throw new InvalidDataException($"'{parameter.Name}' needs {data.ElementCount} values ({data.Shape}), got {values.Length}");
        data.Backend.Write(data.Storage, data.ByteOffset, MemoryMarshal.AsBytes(values.AsSpan()));
    }
}
