using System.Text.Json;
using System.Text.Json.Nodes;
using LlmLab.Models.HuggingFace;
using LlmLab.Nn;
using LlmLab.Peft;

namespace LlmLab.Cli.Engine;

/// <summary>
/// A model folder as a command runs it: the model, and the module around it when the adapter wraps it (prompt tuning's
/// virtual tokens in front of the input, prefix tuning's learned past keys and values).
/// </summary>
internal sealed record AdaptedModel(HfModel Model, string? AdapterKind, PromptTuning? PromptTuning, PrefixTuning? PrefixTuning = null);

/// <summary>
/// <c>--adapter DIR</c> for every kind of adapter LlmLab reads: adapter_config.json's "peft_type" picks the loader.
/// LORA, IA3, BITFIT and BOTTLENECK change the model in place (LoRA unmerged, so over a quantised layer it runs as
/// QLoRA; bottleneck adapters inside every block, so generation with KV caches runs them too); PROMPT_TUNING wraps it
/// (<see cref="PromptTuning"/>: the virtual tokens go in front of every input), and so does PREFIX_TUNING
/// (<see cref="PrefixTuning"/>: every layer's attention reads the learned past keys and values first).
/// </summary>
internal static class AdapterLoader
{
    // One row a kind: the loader, and the module that wraps the model (null when the adapter changes it in place).
    private static readonly (string PeftType, Func<HfModel, string, Module?> Load)[] Kinds =
    [
        ("LORA", (model, folder) => { PeftAdapter.Load(model, folder); return null; }),
        (Ia3Adapter.PeftType, (model, folder) => { Ia3Adapter.Load(model, folder); return null; }),
        (BitFitAdapter.PeftType, (model, folder) => { BitFitAdapter.Load(model.Module, folder); return null; }),
        (PromptTuningAdapter.PeftType, PromptTuningAdapter.Load),
        (PrefixTuningAdapter.PeftType, PrefixTuningAdapter.Load),
        (HoulsbyAdapter.PeftType, (model, folder) => { HoulsbyAdapter.Load(model, folder); return null; }),
    ];

    /// <summary>The kinds <c>--adapter</c> reads, for help texts and errors.</summary>
    public static string Readable => string.Join(", ", Kinds.Select(k => k.PeftType));

    /// <summary>Applies the adapter in <paramref name="folder"/> to <paramref name="model"/>; its errors are user errors.</summary>
    public static AdaptedModel Apply(HfModel model, string folder)
    {
        string peftType = PeftType(folder);
        var kind = Kinds.FirstOrDefault(k => k.PeftType == peftType);
        if (kind.PeftType is null)
            throw new CliException($"{Path.Combine(folder, PeftAdapterConfig.FileName)}: \"peft_type\" \"{peftType}\" is not an adapter kind LlmLab reads (it reads {Readable})");
        var wrapper = UserErrors.Run(() => kind.Load(model, folder));
        return new AdaptedModel(model, peftType, wrapper as PromptTuning, wrapper as PrefixTuning);
    }

    private static string PeftType(string folder)
    {
        string path = Path.Combine(folder, PeftAdapterConfig.FileName);
        if (!File.Exists(path)) throw new CliException($"{folder}: no {PeftAdapterConfig.FileName} (is this a PEFT adapter folder?)");
        JsonNode? root;
        try { root = JsonNode.Parse(File.ReadAllText(path)); }
        catch (JsonException e) { throw new CliException($"{path}: not valid JSON ({e.Message})"); }
        catch (IOException e) { throw new CliException($"{path}: {e.Message}"); }
        return root is JsonObject config && config["peft_type"] is JsonValue v && v.TryGetValue(out string? type)
            ? type
            : throw new CliException($"{path}: no \"peft_type\" (LlmLab reads {Readable})");
    }
}
