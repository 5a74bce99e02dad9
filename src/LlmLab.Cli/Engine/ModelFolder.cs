using LlmLab.Backends;
using LlmLab.Models.HuggingFace;
using LlmLab.Peft;
using LlmLab.Quantization;

namespace LlmLab.Cli.Engine;

/// <summary>
/// Loading a model folder for a command: <see cref="HfCheckpoint.Load"/>, then a PEFT LoRA adapter where
/// <c>--adapter</c> names one (<see cref="PeftAdapter.Load"/>, unmerged, as PeftModel.from_pretrained), with their
/// errors made one-line user errors.
/// </summary>
internal static class ModelFolder
{
    public const string ModelOption = "--model";
    public const string AdapterOption = "--adapter";

    public const string AdapterHelp = "  --adapter DIR         a PEFT LoRA adapter folder (adapter_config.json + adapter_model.safetensors) to apply";

    public static string Required(OptionParser options) =>
        options.Value(ModelOption) ?? throw CliException.Usage("no --model given: a Hugging Face model folder");

    public static HfModel Load(IBackend backend, string folder, string? adapter = null)
    {
        if (!Directory.Exists(folder)) throw new CliException($"{folder}: no such model folder");
        if (adapter is not null && !Directory.Exists(adapter)) throw new CliException($"{adapter}: no such adapter folder");
        var model = UserErrors.Run(() => HfCheckpoint.Load(backend, folder));
        if (adapter is null) return model;

        UserErrors.Run(() => PeftAdapter.Load(model, adapter));
        // A quantised layer runs its stored weight alone: an adapter cannot be added to it unmerged, and merging
        // would change only the f32 copy.
        if (WeightQuantizer.Linears(model.Module).FirstOrDefault(l => l.Layer is { LoraA: not null, QuantizedWeight: not null }) is { Layer: not null } bad)
            throw new CliException($"{adapter}: adapts '{bad.Name}', which {folder} holds quantised; apply the adapter to the f32 model, merge it, then quantise");
        return model;
    }
}
