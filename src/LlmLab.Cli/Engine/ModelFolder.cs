using LlmLab.Backends;
using LlmLab.Models.HuggingFace;

namespace LlmLab.Cli.Engine;

/// <summary>
/// Loading a model folder for a command: <see cref="HfCheckpoint.Load"/>, then the adapter <c>--adapter</c> names,
/// of any kind <see cref="AdapterLoader"/> reads (LoRA unmerged, as PeftModel.from_pretrained, so over a folder
/// written by 'llmlab quantize' it runs as QLoRA: the quantised base dequantised on the fly), with their errors made
/// one-line user errors.
/// </summary>
internal static class ModelFolder
{
    public const string ModelOption = "--model";
    public const string AdapterOption = "--adapter";

    public static string AdapterHelp => $"""
          --adapter DIR         an adapter folder (adapter_config.json + adapter_model.safetensors) to apply, of
                                peft_type {AdapterLoader.Readable}; LoRA over a quantised folder runs as QLoRA
        """;

    public static string Required(OptionParser options) =>
        options.Value(ModelOption) ?? throw CliException.Usage("no --model given: a Hugging Face model folder");

    public static HfModel Load(IBackend backend, string folder)
    {
        if (!Directory.Exists(folder)) throw new CliException($"{folder}: no such model folder");
        return UserErrors.Run(() => HfCheckpoint.Load(backend, folder));
    }

    /// <summary>The model with the adapter in <paramref name="adapter"/> applied (none when it is null).</summary>
    public static AdaptedModel Load(IBackend backend, string folder, string? adapter)
    {
        if (!Directory.Exists(folder)) throw new CliException($"{folder}: no such model folder");
        if (adapter is not null && !Directory.Exists(adapter)) throw new CliException($"{adapter}: no such adapter folder");
        var model = Load(backend, folder);
        return adapter is null ? new AdaptedModel(model, null, null) : AdapterLoader.Apply(model, adapter);
    }
}
