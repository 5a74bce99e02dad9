using LlmLab.Cli.Engine;
using LlmLab.Cli.Inspect;

namespace LlmLab.Cli.Commands;

/// <summary>
/// <c>llmlab inspect PATH</c>: the tensors of a .safetensors file or a Hugging Face model folder (name, dtype,
/// shape), the parameter count, and for a folder its model type, architecture and shape-giving config values.
/// Headers and config.json only; nothing is loaded onto a backend.
/// </summary>
public sealed class InspectCommand : ICommand
{
    public string Name => "inspect";

    public string Summary => "list the tensors, parameter count and config of a .safetensors file or a model folder";

    public string Usage => """
        usage: llmlab inspect PATH [--format table|json]

          PATH                  a .safetensors file, or a Hugging Face model folder (config.json plus
                                model.safetensors or a sharded model.safetensors.index.json)

        options:
          --format table|json   tables (default) or one JSON object

        A folder shows its model_type, architecture, whether LlmLab reads it, the config values that give the
        model's shape, and every tensor of every shard; a file shows its tensors and __metadata__. The parameter
        count of an 'llmlab quantize' folder counts each quantised weight by the values it stands for.

        """;

    public int Run(IReadOnlyList<string> args, CliContext context)
    {
        var options = new OptionParser().Positional("PATH").Single("--format").Parse(args);
        string path = options.PositionalValue("PATH") ?? throw CliException.Usage("no PATH given: a .safetensors file or a model folder");
        string format = options.Value("--format") ?? "table";
        if (format is not ("table" or "json")) throw CliException.Usage($"unknown format '{format}' (choose table or json)");

        var inspection = UserErrors.Run(() => Inspection.Of(path));
        context.Out.Write(format == "json" ? InspectReport.Json(inspection) : InspectReport.Table(inspection, context.Width));
        context.Out.Flush();
        return 0;
    }
}
