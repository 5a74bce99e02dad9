using System.Text.Json;
using System.Text.Json.Nodes;
using LlmLab.Backends;
using LlmLab.IO;
using LlmLab.Nn;
using LlmLab.Quantization;
using LlmLab.Tensors;

namespace LlmLab.Models.HuggingFace;

/// <summary>
/// What <see cref="QuantizedCheckpoint.Quantize"/> did: the linear layers now quantised, those left in f32, and the
/// embeddings quantised with them (the token embedding when asked for; empty otherwise).
/// </summary>
public sealed record QuantizedLayers(WeightFormat Format, IReadOnlyList<string> Quantized, IReadOnlyList<string> KeptF32, IReadOnlyList<string> Embeddings);

/// <summary>
/// A Hugging Face folder holding a model whose linear layers are quantised by LlmLab (quant_method "llmlab"), so it
/// loads without quantising again. config.json is the model's own plus
/// <c>"quantization_config": {"quant_method": "llmlab", "format": "q4_0", "quantized_layers": [...], "f32_layers": [...],
/// "quantized_embeddings": [...]}</c> (layers by LlmLab module name, e.g. "h.1.mlp.c_proj"; the embeddings list, which
/// may be absent, names a quantised token embedding such as "wte", and so a head tied to it); model.safetensors holds
/// every parameter under its LlmLab name (<see cref="Module.NamedParameters"/>), not transformers' names. A quantised
/// layer or embedding L stores its weight raw: int8 as <c>L.weight</c> I8 [rows, cols] plus <c>L.weight_scale</c>
/// F32 [rows] (the factor the row was multiplied by: w ≈ q / scale); Q8_0 and Q4_0 as <c>L.weight</c> U8 [rows,
/// cols / 32 × 34 or 18], ggml's blocks byte for byte. Everything else (other embeddings, norms, biases, layers left in
/// f32) is F32. The loaded model holds the quantised weights only (no f32 copies; see <see cref="Load"/>).
/// transformers cannot read such a folder; <see cref="HfModel.Save"/> of the loaded model writes an ordinary one
/// (quantised weights dequantised).
/// </summary>
public static class QuantizedCheckpoint
{
    public const string QuantMethod = "llmlab";
    public const string ConfigKey = "quantization_config";
    public const string ScaleSuffix = "_scale";
    public const string EmbeddingsKey = "quantized_embeddings";

    /// <summary>
    /// Whether config.json describes an LlmLab-quantised folder. Another quant_method (bitsandbytes, gptq, ...) is an
    /// <see cref="InvalidDataException"/>: its tensors are in a layout LlmLab does not read.
    /// </summary>
    public static bool IsQuantized(JsonObject config)
    {
        if (config[ConfigKey] is null) return false;
        if (config[ConfigKey] is not JsonObject quantization)
            throw new InvalidDataException($"config.json's \"{ConfigKey}\" should be an object");
        string method = quantization.String("quant_method", "");
        return method == QuantMethod
            ? true
            : throw new InvalidDataException(
                $"config.json: quant_method \"{method}\" is not one LlmLab reads (only \"{QuantMethod}\", what 'llmlab quantize' writes); load the unquantised model instead");
    }

    /// <summary>
    /// Quantises every linear layer of the model that <paramref name="format"/> can hold: int8 takes any layer, Q8_0
    /// and Q4_0 only those whose input width is a multiple of 32 (the others stay f32 and are listed). With
    /// <paramref name="tokenEmbedding"/> the token embedding is quantised too, and with it a head tied to it; a
    /// block format needs its width to be a multiple of 32 (else an <see cref="ArgumentException"/>, before anything
    /// changes).
    /// </summary>
    public static QuantizedLayers Quantize(HfModel model, WeightFormat format, bool tokenEmbedding = false)
    {
        if (format == WeightFormat.F32) throw new ArgumentException("f32 is not a quantised format");
        var linears = WeightQuantizer.Linears(model.Module);
        if (linears.FirstOrDefault(l => l.Layer.LoraA is not null) is { Layer: not null } adapted)
            throw new InvalidOperationException($"layer '{adapted.Name}' carries a LoRA adapter: merge and detach it before quantising");
        var embedding = tokenEmbedding ? WeightQuantizer.Embeddings(model.Module).First(e => ReferenceEquals(e.Layer, model.TokenEmbedding)) : default;
        if (tokenEmbedding)
            QuantizedParameter.CheckBlocks(format, embedding.Layer.Weight.Shape[1], $"the token embedding '{embedding.Name}'");
        var quantized = new List<string>();
        var kept = new List<string>();
        foreach (var (name, layer) in linears)
        {
            if (format is WeightFormat.Q8_0 or WeightFormat.Q4_0 && layer.InFeatures % 32 != 0)
            {
                kept.Add(name);
                continue;
            }
            layer.Quantize(format);
            quantized.Add(name);
        }
        if (tokenEmbedding) embedding.Layer.Quantize(format);
        return new QuantizedLayers(format, quantized, kept, tokenEmbedding ? [embedding.Name] : []);
    }

    /// <summary>
    /// Bytes of every parameter as stored: quantised linear weights and embeddings in their format (with scales), the
    /// rest f32.
    /// </summary>
    public static long StoredBytes(Module module)
    {
        long bytes = module.ParameterCount() * sizeof(float);
        foreach (var (_, layer) in WeightQuantizer.Linears(module))
            if (layer.QuantizedWeight is not null) bytes += layer.WeightByteLength - layer.Weight.Shape.ElementCount * sizeof(float);
        foreach (var (_, table) in WeightQuantizer.Embeddings(module))
            if (table.QuantizedWeight is not null) bytes += table.WeightByteLength - table.Weight.Shape.ElementCount * sizeof(float);
        return bytes;
    }

    /// <summary>
    /// Writes config.json (with quantization_config), generation_config.json when the model has one, and
    /// model.safetensors to <paramref name="folder"/>, each atomically (the tensors first, so a folder never has a
    /// quantised config without its tensors). Every quantised layer must share one format.
    /// </summary>
    public static void Save(HfModel model, string folder)
    {
        var linears = WeightQuantizer.Linears(model.Module);
        if (linears.FirstOrDefault(l => l.Layer.LoraA is not null) is { Layer: not null } adapted)
            throw new InvalidOperationException($"layer '{adapted.Name}' carries a LoRA adapter: merge and detach it before saving a quantised model");
        var quantized = linears.Where(l => l.Layer.QuantizedWeight is not null).ToList();
        var embeddings = WeightQuantizer.Embeddings(model.Module).Where(e => e.Layer.QuantizedWeight is not null).ToList();
        var formats = quantized.Select(l => l.Layer.Format).Concat(embeddings.Select(e => e.Layer.Format)).Distinct().ToList();
        if (formats.Count != 1 || quantized.Count == 0)
            throw new InvalidOperationException(formats.Count == 0 || quantized.Count == 0
                ? "no linear layer is quantised: quantise the model first (HfModel.Save writes an f32 one)"
                : $"the layers are quantised in {formats.Count} formats ({string.Join(", ", formats.Select(f => f.Name()))}); a quantised folder holds one");
        var format = formats[0];
        var byWeight = quantized.ToDictionary(l => l.Name + ".weight", l => l.Layer.QuantizedWeight!);
        foreach (var (name, table) in embeddings) byWeight[name + ".weight"] = table.QuantizedWeight!;

        var writer = new SafetensorsWriter();
        writer.Metadata["format"] = QuantMethod;
        writer.Metadata["quantization"] = format.Name();
        foreach (var (name, parameter) in model.Module.NamedParameters())
        {
            if (!byWeight.TryGetValue(name, out var weight))
            {
                writer.Add(name, parameter.ToArray<float>(), parameter.Shape.ToArray());
                continue;
            }
            if (weight.Int8 is { } int8)
            {
                writer.Add(name, SafetensorsDType.I8, int8.Shape.ToArray(), int8.Values.ToBytes());
                writer.Add(name + ScaleSuffix, int8.Scales.ToArray<float>(), int8.Scales.Shape.ToArray());
            }
            else
            {
                var blocks = weight.Blocks!;
                int rowBytes = (int)blocks.DType.ByteCount(blocks.Shape[1]);
                writer.Add(name, SafetensorsDType.U8, [blocks.Shape[0], rowBytes], blocks.ToBytes());
            }
        }

        var config = model.Config.DeepClone().AsObject();
        config[ConfigKey] = new JsonObject
        {
            ["quant_method"] = QuantMethod,
            ["format"] = format.Name(),
            ["quantized_layers"] = new JsonArray([.. quantized.Select(l => (JsonNode)JsonValue.Create(l.Name))]),
            ["f32_layers"] = new JsonArray([.. linears.Where(l => l.Layer.QuantizedWeight is null).Select(l => (JsonNode)JsonValue.Create(l.Name))]),
            [EmbeddingsKey] = new JsonArray([.. embeddings.Select(e => (JsonNode)JsonValue.Create(e.Name))]),
        };

        Directory.CreateDirectory(folder);
        writer.Save(Path.Combine(folder, HfWeights.SingleFile));
        var options = new JsonSerializerOptions { WriteIndented = true };
        if (model.GenerationConfig is not null)
            AtomicFile.WriteAllText(Path.Combine(folder, "generation_config.json"), model.GenerationConfig.ToJsonString(options) + "\n");
        AtomicFile.WriteAllText(Path.Combine(folder, "config.json"), config.ToJsonString(options) + "\n");
    }

    /// <summary>
    /// The model a quantised folder holds: created from its config (without quantization_config, so that
    /// <see cref="HfModel.Save"/> writes an ordinary folder) with its weights deferred (<see cref="EmptyWeights"/>),
    /// every parameter read by its LlmLab name straight into its tensor, each quantised layer and embedding given its
    /// stored weight as is, so no f32 copy of a quantised weight is ever made. A missing, misshapen, mistyped or
    /// unexpected tensor is an error naming it.
    /// </summary>
    public static HfModel Load(IBackend backend, string folder, JsonObject config, JsonObject? generationConfig)
    {
        var (format, layerNames, embeddingNames) = ReadConfig(config);
        var plain = config.DeepClone().AsObject();
        plain.Remove(ConfigKey);
        HfModel model;
        using (EmptyWeights.Scope()) model = HfCheckpoint.Create(backend, plain, seed: 0, generationConfig);
        var linears = WeightQuantizer.Linears(model.Module).ToDictionary(l => l.Name, l => l.Layer);
        var tables = WeightQuantizer.Embeddings(model.Module).ToDictionary(e => e.Name, e => e.Layer);
        if (layerNames.FirstOrDefault(n => !linears.ContainsKey(n)) is { } unknown)
            throw new InvalidDataException($"{folder}: quantized_layers names '{unknown}', which is not a linear layer of this {model.Architecture}");
        if (embeddingNames.FirstOrDefault(n => !tables.ContainsKey(n)) is { } unknownTable)
            throw new InvalidDataException($"{folder}: {EmbeddingsKey} names '{unknownTable}', which is not an embedding of this {model.Architecture}");

        string path = Path.Combine(folder, HfWeights.SingleFile);
        if (!File.Exists(path)) throw new InvalidDataException($"{folder}: no {HfWeights.SingleFile} (a quantised folder keeps its tensors in one file)");
        using var file = Safetensors.Open(path);
        var used = new HashSet<string>();
        foreach (var (name, parameter) in model.Module.NamedParameters())
        {
            used.Add(name);
            string layerName = name.EndsWith(".weight", StringComparison.Ordinal) ? name[..^".weight".Length] : "";
            if (layerNames.Contains(layerName) || embeddingNames.Contains(layerName))
            {
                var (rows, cols) = (parameter.Shape[0], parameter.Shape[1]);
                var weight = format == WeightFormat.Int8 ? ReadInt8(file, backend, name, rows, cols, used) : ReadBlocks(file, backend, name, rows, cols, format);
                if (linears.TryGetValue(layerName, out var layer)) layer.InstallQuantized(weight);
                else tables[layerName].InstallQuantized(weight);
                continue;
            }
            var info = Expect(file, name, SafetensorsDType.F32, parameter.Shape.ToArray());
            file.ReadInto(info.Name, parameter.Data);
        }
        if (file.Names.FirstOrDefault(n => !used.Contains(n)) is { } extra)
            throw new SafetensorsException(path, extra, $"is not a parameter of the {model.Architecture} that config.json describes");
        backend.ReleaseCachedMemory();
        return model;
    }

    /// <summary>The quantised format and layer names config.json's quantization_config gives; a bad one is named.</summary>
    public static (WeightFormat Format, HashSet<string> Layers) CheckConfig(JsonObject config)
    {
        var (format, layers, _) = ReadConfig(config);
        return (format, layers);
    }

    private static (WeightFormat Format, HashSet<string> Layers, HashSet<string> Embeddings) ReadConfig(JsonObject config)
    {
        var quantization = (JsonObject)config[ConfigKey]!;
        WeightFormat format;
        try { format = WeightFormats.Parse(quantization.String("format", "")); }
        catch (ArgumentException e) { throw new InvalidDataException($"config.json's {ConfigKey}: {e.Message}", e); }
        if (format == WeightFormat.F32) throw new InvalidDataException($"config.json's {ConfigKey}: format f32 is not a quantised format");
        var layerNames = quantization["quantized_layers"] is JsonArray array
            ? Names(array, "quantized_layers")
            : throw new InvalidDataException($"config.json's {ConfigKey} has no \"quantized_layers\" list");
        var embeddingNames = quantization[EmbeddingsKey] switch
        {
            null => [],
            JsonArray embeddings => Names(embeddings, EmbeddingsKey),
            var other => throw new InvalidDataException($"config.json's {ConfigKey}.{EmbeddingsKey} should be a list of embedding names, got {other.ToJsonString()}"),
        };
        return (format, layerNames, embeddingNames);
    }

    private static HashSet<string> Names(JsonArray array, string key) =>
        array.Select(n => n is JsonValue v && v.TryGetValue(out string? s) ? s : throw new InvalidDataException(
            $"config.json's {ConfigKey}.{key} should hold layer names, got {n?.ToJsonString() ?? "null"}")).ToHashSet();

    private static QuantizedWeight ReadInt8(Safetensors file, IBackend backend, string name, int rows, int cols, HashSet<string> used)
    {
        Expect(file, name, SafetensorsDType.I8, [rows, cols]);
        Expect(file, name + ScaleSuffix, SafetensorsDType.F32, [rows]);
        used.Add(name + ScaleSuffix);
        var values = file.ReadTensor(backend, name);
        var scales = file.ReadTensor(backend, name + ScaleSuffix);
        return new Int8Tensor(values, scales, null, Int8Scheme.AbsmaxPerRow);
    }

    private static QuantizedWeight ReadBlocks(Safetensors file, IBackend backend, string name, int rows, int cols, WeightFormat format)
    {
        var dtype = format == WeightFormat.Q8_0 ? DType.Q8_0 : DType.Q4_0;
        if (cols % dtype.BlockLength() != 0)
            throw new SafetensorsException(file.Path, name, $"is listed as {format.Name()}, but its rows hold {cols} values, not a multiple of 32");
        Expect(file, name, SafetensorsDType.U8, [rows, (int)dtype.ByteCount(cols)]);
        var blocks = Tensor.Zeros(backend, new Shape(rows, cols), dtype);
        file.ReadInto(name, blocks);
        return blocks;
    }

    private static SafetensorsTensorInfo Expect(Safetensors file, string name, SafetensorsDType dtype, int[] shape)
    {
        var info = file.Info(name);
        if (info.DType != dtype || !info.Shape.SequenceEqual(shape))
            throw new SafetensorsException(file.Path, name,
                $"is {info.DType} [{string.Join(", ", info.Shape)}], the model needs {dtype} [{string.Join(", ", shape)}]");
        return info;
    }
}
