using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using LlmLab.Backends;
using LlmLab.IO;
using LlmLab.Nn;
using LlmLab.Quantization;
using LlmLab.Tensors;

namespace LlmLab.Models.HuggingFace;

/// <summary>What <see cref="QuantizedCheckpoint.Quantize"/> did: the layers now quantised and those left in f32.</summary>
public sealed record QuantizedLayers(WeightFormat Format, IReadOnlyList<string> Quantized, IReadOnlyList<string> KeptF32);

/// <summary>
/// A Hugging Face folder holding a model whose linear layers are quantised by LlmLab (quant_method "llmlab"), so it
/// loads without quantising again. config.json is the model's own plus
/// <c>"quantization_config": {"quant_method": "llmlab", "format": "q4_0", "quantized_layers": [...], "f32_layers": [...]}</c>
/// (layers by LlmLab module name, e.g. "h.1.mlp.c_proj"); model.safetensors holds every parameter under its LlmLab
/// name (<see cref="Module.NamedParameters"/>), not transformers' names. A quantised layer L stores its weight raw:
/// int8 as <c>L.weight</c> I8 [out, in] plus <c>L.weight_scale</c> F32 [out] (the factor the row was multiplied by:
/// w ≈ q / scale); Q8_0 and Q4_0 as <c>L.weight</c> U8 [out, in / 32 × 34 or 18], ggml's blocks byte for byte.
/// Everything else (embeddings, norms, biases, layers left in f32) is F32. transformers cannot read such a folder;
/// <see cref="HfModel.Save"/> of the loaded model writes an ordinary one (quantised weights dequantised).
/// </summary>
public static class QuantizedCheckpoint
{
    public const string QuantMethod = "llmlab";
    public const string ConfigKey = "quantization_config";
    public const string ScaleSuffix = "_scale";

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
    /// and Q4_0 only those whose input width is a multiple of 32 (the others stay f32 and are listed).
    /// </summary>
    public static QuantizedLayers Quantize(HfModel model, WeightFormat format)
    {
        if (format == WeightFormat.F32) throw new ArgumentException("f32 is not a quantised format");
        var quantized = new List<string>();
        var kept = new List<string>();
        foreach (var (name, layer) in WeightQuantizer.Linears(model.Module))
        {
            if (layer.LoraA is not null) throw new InvalidOperationException($"layer '{name}' carries a LoRA adapter: merge and detach it before quantising");
            if (format is WeightFormat.Q8_0 or WeightFormat.Q4_0 && layer.InFeatures % 32 != 0)
            {
                kept.Add(name);
                continue;
            }
            layer.Quantize(format);
            quantized.Add(name);
        }
        return new QuantizedLayers(format, quantized, kept);
    }

    /// <summary>Bytes of every parameter as stored: quantised linear weights in their format (with scales), the rest f32.</summary>
    public static long StoredBytes(Module module)
    {
        long bytes = module.ParameterCount() * sizeof(float);
        foreach (var (_, layer) in WeightQuantizer.Linears(module))
            if (layer.QuantizedWeight is not null) bytes += layer.WeightByteLength - layer.Weight.Data.ByteLength;
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
        var formats = quantized.Select(l => l.Layer.Format).Distinct().ToList();
        if (formats.Count != 1)
            throw new InvalidOperationException(formats.Count == 0
                ? "no linear layer is quantised: quantise the model first (HfModel.Save writes an f32 one)"
                : $"the layers are quantised in {formats.Count} formats ({string.Join(", ", formats.Select(f => f.Name()))}); a quantised folder holds one");
        var format = formats[0];
        var byWeight = quantized.ToDictionary(l => l.Name + ".weight", l => l.Layer);

        var writer = new SafetensorsWriter();
        writer.Metadata["format"] = QuantMethod;
        writer.Metadata["quantization"] = format.Name();
        foreach (var (name, parameter) in model.Module.NamedParameters())
        {
            if (!byWeight.TryGetValue(name, out var layer))
            {
                writer.Add(name, parameter.Data.ToArray<float>(), parameter.Shape.ToArray());
                continue;
            }
            var weight = layer.QuantizedWeight!;
            if (weight.Int8 is { } int8)
            {
                writer.Add(name, SafetensorsDType.I8, int8.Shape.ToArray(), int8.Values.ToBytes());
                writer.Add(name + ScaleSuffix, int8.Scales.ToArray<float>(), int8.Scales.Shape.ToArray());
            }
            else
            {
                var blocks = weight.Blocks!;
                int rowBytes = (int)blocks.DType.ByteCount(layer.InFeatures);
                writer.Add(name, SafetensorsDType.U8, [layer.OutFeatures, rowBytes], blocks.ToBytes());
            }
        }

        var config = model.Config.DeepClone().AsObject();
        config[ConfigKey] = new JsonObject
        {
            ["quant_method"] = QuantMethod,
            ["format"] = format.Name(),
            ["quantized_layers"] = new JsonArray([.. quantized.Select(l => (JsonNode)JsonValue.Create(l.Name))]),
            ["f32_layers"] = new JsonArray([.. linears.Where(l => l.Layer.QuantizedWeight is null).Select(l => (JsonNode)JsonValue.Create(l.Name))]),
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
    /// <see cref="HfModel.Save"/> writes an ordinary folder), every parameter read by its LlmLab name, each quantised
    /// layer given its stored weight as is. A missing, misshapen, mistyped or unexpected tensor is an error naming it.
    /// </summary>
    public static HfModel Load(IBackend backend, string folder, JsonObject config, JsonObject? generationConfig)
    {
        var (format, layerNames) = CheckConfig(config);
        var plain = config.DeepClone().AsObject();
        plain.Remove(ConfigKey);
        var model = HfCheckpoint.Create(backend, plain, seed: 0, generationConfig);
        var linears = WeightQuantizer.Linears(model.Module).ToDictionary(l => l.Name, l => l.Layer);
        if (layerNames.FirstOrDefault(n => !linears.ContainsKey(n)) is { } unknown)
            throw new InvalidDataException($"{folder}: quantized_layers names '{unknown}', which is not a linear layer of this {model.Architecture}");

        string path = Path.Combine(folder, HfWeights.SingleFile);
        if (!File.Exists(path)) throw new InvalidDataException($"{folder}: no {HfWeights.SingleFile} (a quantised folder keeps its tensors in one file)");
        using var file = Safetensors.Open(path);
        var used = new HashSet<string>();
        foreach (var (name, parameter) in model.Module.NamedParameters())
        {
            used.Add(name);
            string layerName = name.EndsWith(".weight", StringComparison.Ordinal) ? name[..^".weight".Length] : "";
            if (layerNames.Contains(layerName))
            {
                var layer = linears[layerName];
                var weight = format == WeightFormat.Int8 ? ReadInt8(file, backend, name, layer, used) : ReadBlocks(file, backend, name, layer, format);
                layer.InstallQuantized(weight);
                continue;
            }
            var info = Expect(file, name, SafetensorsDType.F32, parameter.Shape.ToArray());
            var values = file.ReadFloats(info.Name);
            var data = parameter.Data;
            backend.Write(data.Storage, data.ByteOffset, MemoryMarshal.AsBytes(values.AsSpan()));
        }
        if (file.Names.FirstOrDefault(n => !used.Contains(n)) is { } extra)
            throw new SafetensorsException(path, extra, $"is not a parameter of the {model.Architecture} that config.json describes");
        return model;
    }

    /// <summary>The quantised format and layer names config.json's quantization_config gives; a bad one is named.</summary>
    public static (WeightFormat Format, HashSet<string> Layers) CheckConfig(JsonObject config)
    {
        var quantization = (JsonObject)config[ConfigKey]!;
        WeightFormat format;
        try { format = WeightFormats.Parse(quantization.String("format", "")); }
        catch (ArgumentException e) { throw new InvalidDataException($"config.json's {ConfigKey}: {e.Message}", e); }
        if (format == WeightFormat.F32) throw new InvalidDataException($"config.json's {ConfigKey}: format f32 is not a quantised format");
        var layerNames = quantization["quantized_layers"] is JsonArray array
            ? array.Select(n => n is JsonValue v && v.TryGetValue(out string? s) ? s : throw new InvalidDataException(
                $"config.json's {ConfigKey}.quantized_layers should hold layer names, got {n?.ToJsonString() ?? "null"}")).ToHashSet()
            : throw new InvalidDataException($"config.json's {ConfigKey} has no \"quantized_layers\" list");
        return (format, layerNames);
    }

    private static QuantizedWeight ReadInt8(Safetensors file, IBackend backend, string name, Linear layer, HashSet<string> used)
    {
        Expect(file, name, SafetensorsDType.I8, [layer.OutFeatures, layer.InFeatures]);
        Expect(file, name + ScaleSuffix, SafetensorsDType.F32, [layer.OutFeatures]);
        used.Add(name + ScaleSuffix);
        var values = file.ReadTensor(backend, name);
        var scales = file.ReadTensor(backend, name + ScaleSuffix);
        return new Int8Tensor(values, scales, null, Int8Scheme.AbsmaxPerRow);
    }

    private static QuantizedWeight ReadBlocks(Safetensors file, IBackend backend, string name, Linear layer, WeightFormat format)
    {
        var dtype = format == WeightFormat.Q8_0 ? DType.Q8_0 : DType.Q4_0;
        if (layer.InFeatures % dtype.BlockLength() != 0)
            throw new SafetensorsException(file.Path, name, $"is listed as {format.Name()}, but its layer has {layer.InFeatures} inputs, not a multiple of 32");
        Expect(file, name, SafetensorsDType.U8, [layer.OutFeatures, (int)dtype.ByteCount(layer.InFeatures)]);
        return Tensor.FromBytes(backend, file.ReadBytes(name), dtype, layer.OutFeatures, layer.InFeatures);
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
