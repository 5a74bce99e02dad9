using System.Text.Json;
using System.Text.Json.Serialization;
using LlmLab.Backends;
using LlmLab.IO;

namespace LlmLab.Models;

/// <summary>
/// A trained GPT on disk in LlmLab's own layout: config.json (the <see cref="GptConfig"/> under
/// "model_type": "llmlab-gpt", and the SHA-256 of the weights under "sha256") and model.safetensors (every
/// parameter in f32 under its dotted name), each written atomically, the weights first; the tokenizer's
/// tokenizer.json goes beside them. Loading verifies the weights' checksum (when config.json has one: older folders
/// do not) and checks every name, dtype and shape.
/// </summary>
public static class GptFiles
{
    public const string ConfigFile = "config.json";
    public const string WeightsFile = "model.safetensors";
    public const string ModelType = "llmlab-gpt";
    public const string ChecksumKey = "sha256";

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    public static void Save(Gpt model, string folder)
    {
        Directory.CreateDirectory(folder);
        var weights = new SafetensorsWriter();
        weights.Metadata["format"] = "pt";
        foreach (var (name, p) in model.NamedParameters())
            weights.Add(name, SafetensorsDType.F32, p.Data.Shape.ToArray(), p.Data.ToBytes());
        string weightsPath = Path.Combine(folder, WeightsFile);
        weights.Save(weightsPath);
        // Written after the weights, with their checksum: a crash between the two leaves a mismatch that loading names.
        var config = JsonSerializer.SerializeToNode(model.Config, Json)!.AsObject();
        config.Insert(0, "model_type", ModelType);
        config[ChecksumKey] = new System.Text.Json.Nodes.JsonObject { [WeightsFile] = FileChecksum.Sha256(weightsPath) };
        AtomicFile.WriteAllText(Path.Combine(folder, ConfigFile), config.ToJsonString(Json));
    }

    public static Gpt Load(IBackend backend, string folder)
    {
        string configPath = Path.Combine(folder, ConfigFile);
        GptConfig config;
        string? weightsChecksum;
        try
        {
            var node = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(configPath))?.AsObject()
                       ?? throw new InvalidDataException("the file is not a JSON object");
            string? type = node["model_type"]?.GetValue<string>();
            if (type != ModelType) throw new InvalidDataException($"\"model_type\" is \"{type}\", not \"{ModelType}\"");
            node.Remove("model_type");
            weightsChecksum = node[ChecksumKey]?[WeightsFile]?.GetValue<string>();
            node.Remove(ChecksumKey);
            config = node.Deserialize<GptConfig>(Json) ?? throw new InvalidDataException("the file is empty");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException or InvalidOperationException or InvalidDataException)
        {
            throw new InvalidDataException($"{configPath}: not an LlmLab GPT config ({e.Message})", e);
        }

        string weightsPath = Path.Combine(folder, WeightsFile);
        if (weightsChecksum is not null) FileChecksum.Verify(weightsPath, weightsChecksum, configPath);
        var model = new Gpt(backend, config, seed: 0);
        using var weights = Safetensors.Open(weightsPath);
        foreach (var (name, p) in model.NamedParameters())
        {
            if (!weights.Contains(name)) throw new InvalidDataException($"{weightsPath}: no tensor '{name}' (the config asks for {p.Data.Shape})");
            var info = weights.Info(name);
            if (info.DType != SafetensorsDType.F32 || !info.Shape.SequenceEqual(p.Data.Shape.ToArray()))
                throw new InvalidDataException($"{weightsPath}: '{name}' is {info.DType} [{string.Join(", ", info.Shape)}], the config asks for F32 {p.Data.Shape}");
            backend.Write(p.Data.Storage, p.Data.ByteOffset, weights.ReadBytes(name));
        }
        return model;
    }
}
