using System.Text.Json;
using System.Text.Json.Nodes;
using LlmLab.Models.HuggingFace;
using LlmLab.Peft;

namespace LlmLab.Cli.Engine;

/// <summary>A model folder as a command runs it: the model, and the prompt in front of it when the adapter is prompt tuning.</summary>
internal sealed record AdaptedModel(HfModel Model, string? AdapterKind, PromptTuning? PromptTuning);

/// <summary>
/// <c>--adapter DIR</c> for every kind of adapter LlmLab reads: adapter_config.json's "peft_type" picks the loader.
/// LORA, IA3 and BITFIT change the model in place (LoRA unmerged, so over a quantised layer it runs as QLoRA);
/// PROMPT_TUNING wraps it (<see cref="PromptTuning"/>: the virtual tokens go in front of every input).
/// </summary>
internal static class AdapterLoader
{
    // One row a kind; a kind whose loader is not written yet has none, and is named as such.
    private static readonly (string PeftType, Func<HfModel, string, PromptTuning?>? Load)[] Kinds =
    [
        ("LORA", (model, folder) => { PeftAdapter.Load(model, folder); return null; }),
        (Ia3Adapter.PeftType, (model, folder) => { Ia3Adapter.Load(model, folder); return null; }),
        (BitFitAdapter.PeftType, (model, folder) => { BitFitAdapter.Load(model.Module, folder); return null; }),
        (PromptTuningAdapter.PeftType, PromptTuningAdapter.Load),
        ("PREFIX_TUNING", null),
        ("BOTTLENECK", null),
    ];

    /// <summary>The kinds <c>--adapter</c> reads, for help texts and errors.</summary>
    public static string Readable => string.Join(", ", Kinds.Where(k => k.Load is not null).Select(k => k.PeftType));

    private static string NotYet => string.Join(", ", Kinds.Where(k => k.Load is null).Select(k => k.PeftType));

    /// <summary>Applies the adapter in <paramref name="folder"/> to <paramref name="model"/>; its errors are user errors.</summary>
    public static AdaptedModel Apply(HfModel model, string folder)
    {
        string peftType = PeftType(folder);
        var kind = Kinds.FirstOrDefault(k => k.PeftType == peftType);
        string configPath = Path.Combine(folder, PeftAdapterConfig.FileName);
        if (kind.PeftType is null)
            throw new CliException($"{configPath}: \"peft_type\" \"{peftType}\" is not an adapter kind LlmLab reads (it reads {Readable}; {NotYet} not yet)");
        if (kind.Load is null)
            throw new CliException($"{configPath}: \"peft_type\" \"{peftType}\" adapters cannot be loaded by llmlab yet (it reads {Readable})");
        var prompt = UserErrors.Run(() => kind.Load(model, folder));
        return new AdaptedModel(model, peftType, prompt);
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
            : throw new CliException($"{path}: no \"peft_type\" (LlmLab reads {Readable}; {NotYet} not yet)");
    }
}
