using LlmLab.Cli.Commands;
using LlmLab.Backends;
using LlmLab.Models.HuggingFace;

namespace LlmLab.Cli.Engine;

/// <summary>Loading a model folder for a command: <see cref="HfCheckpoint.Load"/> with its errors made one-line user errors.</summary>
internal static class ModelFolder
{
    public const string ModelOption = "--model";

    public static string Required(OptionParser options) =>
        options.Value(ModelOption) ?? throw CliException.Usage("no --model given: a Hugging Face model folder");

    public static HfModel Load(IBackend backend, string folder)
    {
        if (!Directory.Exists(folder)) throw new CliException($"{folder}: no such model folder");
        return UserErrors.Run(() => HfCheckpoint.Load(backend, folder));
    }
}
