using System.Text.Json;
using System.Text.Json.Nodes;
using LlmLab.IO;
using LlmLab.Models.HuggingFace;
using LlmLab.Nn;

namespace LlmLab.Peft;

/// <summary>
/// PEFT LoRA adapter folders (adapter_config.json + adapter_model.safetensors) on a Hugging Face model: PEFT's
/// PeftModel.from_pretrained and save_pretrained. Modules are the model's <see cref="HfModel.LinearModules"/> (HF
/// module paths such as "transformer.h.0.attn.c_attn"), matched by target_modules as PEFT matches them; the tensors
/// are base_model.model.&lt;path&gt;.lora_A.weight [r, in] and .lora_B.weight [out, r]. GPT-2's fused c_attn is three
/// LlmLab layers (q, k, v): each gets the module's A and its own rows of B, which computes exactly what PEFT's one
/// c_attn adapter computes. Merge and unmerge with <see cref="Lora.Merge"/> / <see cref="Lora.Unmerge"/>.
/// </summary>
public static class PeftAdapter
{
    public const string WeightsFile = "adapter_model.safetensors";
    private const string KeyPrefix = "base_model.model.";

    /// <summary>
    /// Attaches the adapter in <paramref name="adapterFolder"/> to <paramref name="model"/> and freezes every base
    /// parameter (A and B stay trainable, as PEFT's is_trainable=True). Everything is checked before the model is
    /// touched: a bad config, a missing or misshapen tensor, a tensor for a module LlmLab does not adapt, or a layer
    /// that already has an adapter is one <see cref="InvalidDataException"/> (or InvalidOperationException) naming it.
    /// </summary>
    public static PeftAdapterInfo Load(HfModel model, string adapterFolder)
    {
        string configPath = Path.Combine(adapterFolder, PeftAdapterConfig.FileName);
        if (!File.Exists(configPath))
            throw new InvalidDataException($"{adapterFolder}: no {PeftAdapterConfig.FileName} (is this a PEFT adapter folder?)");
        var config = PeftAdapterConfig.Read(configPath);
        string weightsPath = Path.Combine(adapterFolder, WeightsFile);
        if (!File.Exists(weightsPath))
            throw new InvalidDataException(File.Exists(Path.Combine(adapterFolder, "adapter_model.bin"))
                ? $"{adapterFolder} holds adapter_model.bin, a PyTorch pickle: LlmLab reads only safetensors, because unpickling a file can run any code it contains. "
                  + "Convert it where PEFT is installed: PeftModel.from_pretrained(base, folder).save_pretrained(folder, safe_serialization=True)."
                : $"{adapterFolder}: no {WeightsFile}");

        var modules = model.LinearModules;
        var targeted = modules.Where(m => config.Targets(m.Key)).ToList();
        if (targeted.Count == 0)
            throw new InvalidDataException(
                $"{configPath}: target_modules {Describe(config)} match none of {model.Architecture}'s linear modules "
                + $"({string.Join(", ", modules.Keys.Select(k => k[(k.LastIndexOf('.') + 1)..]).Distinct())}; full paths like '{modules.Keys.FirstOrDefault()}')");

        var plan = new List<(string Path, LinearSlice Slice, float[] A, float[] B, int Rank, float Scale)>();
        using (var file = Safetensors.Open(weightsPath))
        {
            var unused = new HashSet<string>(file.Names);
            foreach (var (path, slices) in targeted)
            {
                int rank = config.RankOf(path), inFeatures = slices[0].Layer.InFeatures, outFeatures = slices.Sum(s => s.Layer.OutFeatures);
                float[] a = Read(file, KeyPrefix + path + ".lora_A.weight", [rank, inFeatures], unused);
                float[] b = Read(file, KeyPrefix + path + ".lora_B.weight", [outFeatures, rank], unused);
                foreach (var slice in slices)
                {
                    if (slice.Layer.LoraA is not null) throw new InvalidOperationException($"LoRA: '{path}' already has an adapter");
                    // B's rows [offset, offset + out) belong to this layer: one contiguous block of a row-major [out, r].
                    float[] rows = b[(slice.OutputOffset * rank)..((slice.OutputOffset + slice.Layer.OutFeatures) * rank)];
                    plan.Add((path, slice, a, rows, rank, config.ScaleOf(path)));
                }
            }
            if (unused.Count > 0)
                throw new InvalidDataException(
                    $"{weightsPath}: '{unused.Order(StringComparer.Ordinal).First()}' (and {unused.Count - 1} more) is for no module that target_modules {Describe(config)} "
                    + $"selects among {model.Architecture}'s linear modules (LlmLab adapts linear layers only; keys are {KeyPrefix}<module>.lora_A/lora_B.weight)");
        }

        foreach (var (_, p) in model.Module.NamedParameters()) p.RequiresGrad = false;
        foreach (var (_, slice, a, b, rank, scale) in plan) slice.Layer.AttachLora(a, b, rank, scale);
        return new PeftAdapterInfo(config, [.. targeted.Select(t => t.Key)]);
    }

    /// <summary>
    /// Writes the model's LoRA adapters as a PEFT adapter folder that PeftModel.from_pretrained loads onto the base
    /// model. A module whose layers share one A (as loaded, or GPT-2's q/k/v given the same A) is written with that A
    /// and B's rows stacked; layers of one module with different A's (LlmLab trained q, k and v separately) are
    /// written as one adapter of rank r_q + r_k + r_v: the A's stacked and B block-diagonal, a layer without an
    /// adapter adding zero rows. The same product, so the same outputs; lora_alpha is set so that the scale is
    /// unchanged (alpha = scale r, or scale √r with <paramref name="useRsLora"/>). Modules whose rank or alpha
    /// differ from the first module's go into rank_pattern / alpha_pattern.
    /// </summary>
    public static void Save(HfModel model, string folder, bool useRsLora = false)
    {
        var adapters = new List<(string Path, float[] A, float[] B, int Rank, float Alpha, bool FanInFanOut)>();
        foreach (var (path, slices) in model.LinearModules)
        {
            if (slices.All(s => s.Layer.LoraA is null)) continue;
            var (a, b, rank, scale) = Combine(slices);
            float alpha = useRsLora ? scale * MathF.Sqrt(rank) : scale * rank;
            adapters.Add((path, a, b, rank, alpha, slices[0].FanInFanOut));
        }
        if (adapters.Count == 0) throw new InvalidOperationException("LoRA: this model has no adapters to save (load or apply one first)");

        var first = adapters[0];
        var rankPattern = new JsonObject();
        var alphaPattern = new JsonObject();
        foreach (var adapter in adapters)
        {
            // Keys are regular expressions to PEFT: a whole path with its dots escaped matches only that module.
            string key = adapter.Path.Replace(".", @"\.");
            if (adapter.Rank != first.Rank) rankPattern[key] = adapter.Rank;
            if (adapter.Alpha != first.Alpha) alphaPattern[key] = adapter.Alpha;
        }
        var config = new JsonObject
        {
            ["peft_type"] = "LORA",
            ["task_type"] = model.Family switch { ModelFamily.DecoderOnly => "CAUSAL_LM", ModelFamily.EncoderDecoder => "SEQ_2_SEQ_LM", _ => null },
            ["auto_mapping"] = new JsonObject
            {
                ["base_model_class"] = model.Architecture,
                ["parent_library"] = $"transformers.models.{model.ModelType}.modeling_{model.ModelType}",
            },
            ["base_model_name_or_path"] = null,
            ["r"] = first.Rank,
            ["lora_alpha"] = first.Alpha,
            ["target_modules"] = new JsonArray([.. TargetNames(model, adapters.Select(a => a.Path).ToList()).Select(n => (JsonNode)n)]),
            ["fan_in_fan_out"] = first.FanInFanOut,
            ["use_rslora"] = useRsLora,
            ["rank_pattern"] = rankPattern,
            ["alpha_pattern"] = alphaPattern,
            ["bias"] = "none",
            ["use_dora"] = false,
            ["lora_dropout"] = 0.0,
            ["modules_to_save"] = null,
            ["init_lora_weights"] = true,
            ["inference_mode"] = true,
        };
        Directory.CreateDirectory(folder);
        var writer = new SafetensorsWriter();
        writer.Metadata["format"] = "pt";
        foreach (var (path, a, b, rank, _, _) in adapters)
        {
            writer.Add(KeyPrefix + path + ".lora_A.weight", a, rank, a.Length / rank);
            writer.Add(KeyPrefix + path + ".lora_B.weight", b, b.Length / rank, rank);
        }
        writer.Save(Path.Combine(folder, WeightsFile));
        AtomicFile.WriteAllText(Path.Combine(folder, PeftAdapterConfig.FileName), config.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
    }

    /// <summary>One module's A [r, in], B [out, r], rank and scale from the adapters of its layers.</summary>
    private static (float[] A, float[] B, int Rank, float Scale) Combine(IReadOnlyList<LinearSlice> slices)
    {
        var adapted = slices.Where(s => s.Layer.LoraA is not null).ToList();
        var layer0 = adapted[0].Layer;
        float scale = layer0.LoraScale;
        float[] a0 = layer0.LoraA!.Weight.Data.ToArray<float>();
        int outFeatures = slices.Sum(s => s.Layer.OutFeatures), inFeatures = layer0.InFeatures;
        bool shared = adapted.Count == slices.Count && adapted.All(s => s.Layer.LoraScale == scale && s.Layer.LoraA!.Weight.Data.ToArray<float>().AsSpan().SequenceEqual(a0));
        if (shared)
        {
            var b = new List<float>(outFeatures * layer0.LoraRank);
            foreach (var slice in slices.OrderBy(s => s.OutputOffset)) b.AddRange(slice.Layer.LoraB!.Weight.Data.ToArray<float>());
            return (a0, [.. b], layer0.LoraRank, scale);
        }
        // Stacked: A = [A_1; A_2; ...], B block-diagonal; each layer's own scale is folded into its block of B so
        // that the module's one scale (the first layer's) gives every layer what it computed.
        int rank = adapted.Sum(s => s.Layer.LoraRank), column = 0;
        var stackedA = new List<float>(rank * inFeatures);
        var blockB = new float[outFeatures * rank];
        foreach (var slice in adapted)
        {
            var layer = slice.Layer;
            stackedA.AddRange(layer.LoraA!.Weight.Data.ToArray<float>());
            float[] b = layer.LoraB!.Weight.Data.ToArray<float>();
            float factor = layer.LoraScale / scale;
            for (int row = 0; row < layer.OutFeatures; row++)
                for (int j = 0; j < layer.LoraRank; j++)
                    blockB[(slice.OutputOffset + row) * rank + column + j] = factor == 1 ? b[row * layer.LoraRank + j] : b[row * layer.LoraRank + j] * factor;
            column += layer.LoraRank;
        }
        return ([.. stackedA], blockB, rank, scale);
    }

    /// <summary>The short names ("c_attn") when they select exactly the adapted modules, else the full paths.</summary>
    private static IEnumerable<string> TargetNames(HfModel model, List<string> adapted)
    {
        var names = adapted.Select(p => p[(p.LastIndexOf('.') + 1)..]).Distinct().ToList();
        var selected = model.LinearModules.Keys.Where(k => names.Any(n => k == n || k.EndsWith("." + n, StringComparison.Ordinal)));
        return selected.Order(StringComparer.Ordinal).SequenceEqual(adapted.Order(StringComparer.Ordinal)) ? names : adapted;
    }

    private static float[] Read(Safetensors file, string name, int[] shape, HashSet<string> unused)
    {
        if (!file.Contains(name))
            throw new InvalidDataException($"{file.Path}: no tensor '{name}' (adapter_config.json targets this module)");
        var actual = file.Info(name).Shape;
        if (!actual.SequenceEqual(shape))
            throw new InvalidDataException($"{file.Path}: '{name}' is [{string.Join(", ", actual)}], the model and r imply [{string.Join(", ", shape)}]");
        unused.Remove(name);
        return file.ReadFloats(name);
    }

    private static string Describe(PeftAdapterConfig config) =>
        config.TargetRegex is { } regex ? $"\"{regex}\" (a regular expression)" : $"[{string.Join(", ", config.TargetModules!)}]";
}
