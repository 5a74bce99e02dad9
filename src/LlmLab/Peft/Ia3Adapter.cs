using System.Text.Json;
using System.Text.Json.Nodes;
using LlmLab.Models.HuggingFace;
using LlmLab.Nn;

namespace LlmLab.Peft;

/// <summary>
/// IA3 adapter folders as peft writes and reads them: adapter_config.json with "peft_type": "IA3",
/// target_modules, feedforward_modules and task_type, and adapter_model.safetensors with one tensor a module,
/// base_model.model.&lt;module path&gt;.ia3_l, shaped [out, 1] or, for a feed-forward module, [1, in] (peft saves
/// it without the adapter's name). On a Hugging Face model the paths are transformers' ("transformer.h.0.attn.c_attn":
/// GPT-2's one c_attn vector is LlmLab's q, k and v vectors end to end); on LlmLab's own GPT they are its dotted
/// names ("h.0.attn.k_proj"), the same layout.
/// </summary>
public static class Ia3Adapter
{
    public const string PeftType = "IA3";
    private const string KeyPrefix = "base_model.model.";
    private const string Suffix = ".ia3_l";

    public static void Save(HfModel model, string folder) =>
        Save(model.LinearModules, folder, AdapterFolder.TaskType(model.Family), model.Architecture);

    public static void Save(Module model, string folder) => Save(Ia3.Layers(model), folder, taskType: null, architecture: null);

    /// <summary>Attaches the adapter in <paramref name="folder"/> to <paramref name="model"/> (trainable, the rest frozen).</summary>
    public static IReadOnlyList<string> Load(HfModel model, string folder) => Load(model.Module, model.LinearModules, folder);

    public static IReadOnlyList<string> Load(Module model, string folder) => Load(model, Ia3.Layers(model), folder);

    private static void Save(IReadOnlyDictionary<string, IReadOnlyList<LinearSlice>> modules, string folder, string? taskType, string? architecture)
    {
        var adapted = new List<(string Path, bool FeedForward, float[] Vector, int[] Shape)>();
        foreach (var (path, slices) in modules)
        {
            if (slices.All(s => s.Layer.Ia3Vector is null)) continue;
            bool feedForward = slices.First(s => s.Layer.Ia3Vector is not null).Layer.Ia3FeedForward;
            if (slices.Any(s => s.Layer.Ia3Vector is not null && s.Layer.Ia3FeedForward != feedForward))
                throw new InvalidOperationException($"IA3: the layers of '{path}' disagree on whether it is feed-forward");
            // A layer without a vector scales by 1: written as ones, it computes the same.
            float[] Of(Linear layer) => layer.Ia3Vector?.Data.ToArray<float>() ?? Enumerable.Repeat(1f, feedForward ? layer.InFeatures : layer.OutFeatures).ToArray();
            float[] vector;
            if (feedForward)
            {
                vector = Of(slices[0].Layer);
                if (slices.Skip(1).Any(s => !Of(s.Layer).AsSpan().SequenceEqual(vector)))
                    throw new InvalidOperationException($"IA3: the layers of '{path}' share one input, so peft's one feed-forward vector cannot hold their different vectors");
            }
            else vector = [.. slices.OrderBy(s => s.OutputOffset).SelectMany(s => Of(s.Layer))];
            adapted.Add((path, feedForward, vector, feedForward ? [1, vector.Length] : [vector.Length, 1]));
        }
        if (adapted.Count == 0) throw new InvalidOperationException("IA3: this model has no IA3 vectors to save (apply or load IA3 first)");

        var all = modules.Keys.ToList();
        var targets = adapted.Select(a => a.Path).ToList();
        var feedForwards = adapted.Where(a => a.FeedForward).Select(a => a.Path).ToList();
        IReadOnlyList<string> targetNames = ModuleMatch.Names(all, targets, (p, names) => ModuleMatch.Targets(p, names, null));
        // peft wants the feed-forward names among the target names, and matches them (by ending) within the targets.
        IReadOnlyList<string> feedForwardNames = [.. targetNames.Where(n => targets.Where(p => ModuleMatch.Targets(p, [n], null)).All(feedForwards.Contains))];
        if (!targets.Where(p => ModuleMatch.EndsWith(p, feedForwardNames, null)).ToHashSet().SetEquals(feedForwards))
            (targetNames, feedForwardNames) = ([.. targets.Order(StringComparer.Ordinal)], [.. feedForwards.Order(StringComparer.Ordinal)]);
        var config = new JsonObject
        {
            ["peft_type"] = PeftType,
            ["task_type"] = taskType,
            ["auto_mapping"] = architecture is null ? null : new JsonObject { ["base_model_class"] = architecture },
            ["base_model_name_or_path"] = null,
            ["revision"] = null,
            ["target_modules"] = new JsonArray([.. targetNames.Select(n => (JsonNode)n)]),
            ["feedforward_modules"] = new JsonArray([.. feedForwardNames.Select(n => (JsonNode)n)]),
            ["exclude_modules"] = null,
            ["fan_in_fan_out"] = adapted.Any(a => modules[a.Path][0].FanInFanOut),
            ["modules_to_save"] = null,
            ["init_ia3_weights"] = true,
            ["inference_mode"] = true,
        };
        AdapterFolder.Write(folder, config, adapted.Select(a => (KeyPrefix + a.Path + Suffix, a.Vector, a.Shape)));
    }

    private static IReadOnlyList<string> Load(Module model, IReadOnlyDictionary<string, IReadOnlyList<LinearSlice>> modules, string folder)
    {
        AdapterFolder.ReadConfig(folder, PeftType);
        string configPath = Path.Combine(folder, AdapterFolder.ConfigFile);
        using var document = JsonDocument.Parse(File.ReadAllBytes(configPath));
        var root = document.RootElement;
        if (root.TryGetProperty("modules_to_save", out var extra) && extra.ValueKind != JsonValueKind.Null && !(extra.ValueKind == JsonValueKind.Array && extra.GetArrayLength() == 0))
            throw new InvalidDataException($"{configPath}: \"modules_to_save\" must be null (not implemented in LlmLab)");
        var (targets, targetRegex) = ModuleMatch.Read(root, "target_modules", configPath);
        var (feedForward, feedForwardRegex) = ModuleMatch.Read(root, "feedforward_modules", configPath);
        var (exclude, excludeRegex) = ModuleMatch.Read(root, "exclude_modules", configPath);
        if (targets is null && targetRegex is null) throw new InvalidDataException($"{configPath}: \"target_modules\" is missing");
        var config = new Ia3Config
        {
            TargetModules = targets, TargetRegex = targetRegex, FeedforwardModules = feedForward, FeedforwardRegex = feedForwardRegex,
            ExcludeModules = exclude, ExcludeRegex = excludeRegex,
        };

        var targeted = modules.Where(m => config.Targets(m.Key)).ToList();
        if (targeted.Count == 0) throw new InvalidDataException($"{configPath}: target_modules match none of this model's linear modules (paths like '{modules.Keys.FirstOrDefault()}')");
        var plan = new List<(Linear Layer, float[] Values, bool FeedForward)>();
        using (var file = AdapterFolder.OpenWeights(folder))
        {
            var unused = new HashSet<string>(file.Names);
            foreach (var (path, slices) in targeted)
            {
                bool ff = config.IsFeedForward(path);
                int length = Ia3.Length(slices, ff);
                float[] vector = AdapterFolder.Read(file, KeyPrefix + path + Suffix, ff ? [1, length] : [length, 1], unused);
                foreach (var slice in slices)
                {
                    if (slice.Layer.Ia3Vector is not null) throw new InvalidOperationException($"IA3: '{path}' already has a vector");
                    // A feed-forward vector scales the input every layer of the module reads; the others own rows of the output.
                    plan.Add((slice.Layer, ff ? vector : vector[slice.OutputOffset..(slice.OutputOffset + slice.Layer.OutFeatures)], ff));
                }
            }
            AdapterFolder.RequireAllUsed(file, unused, $"keys are {KeyPrefix}<targeted module>{Suffix}");
        }
        foreach (var (_, p) in model.NamedParameters()) p.RequiresGrad = false;
        foreach (var (layer, values, ff) in plan) layer.AttachIa3(values, ff);
        return [.. targeted.Select(m => m.Key)];
    }
}
