using System.Reflection;
using System.Text;
using LlmLab.Cli.Commands;

namespace LlmLab.Cli;

/// <summary>
/// The <c>llmlab</c> dispatcher: picks the command, prints help, and turns every failure into one line on standard
/// error and an exit code (2 for anything the user can fix, 1 for an internal error), never a stack trace.
/// </summary>
public static class Cli
{
    /// <summary>The commands, in the order the usage lists them. New commands go here.</summary>
    internal static readonly IReadOnlyList<ICommand> Commands =
        [new InspectCommand(), new ForwardCommand(), new GenerateCommand(), new QuantizeCommand(), new EvalCommand(), new PromptEvalCommand(), new ScalingCommand()];

    public const int UsageError = 2;
    public const int InternalError = 1;

    /// <summary>Runs <c>llmlab args...</c>, writing to the context's writers; returns the exit code.</summary>
    public static int Run(IReadOnlyList<string> args, CliContext context)
    {
        ICommand? command = null;
        try
        {
            if (args.Count == 0)
            {
                context.Error.WriteLine("llmlab: no command given");
                context.Error.Write(Usage());
                return UsageError;
            }

            string first = args[0];
            if (first is "-h" or "--help" or "help")
            {
                var topic = args.Count > 1 ? Commands.FirstOrDefault(c => c.Name == args[1]) : null;
                context.Out.Write(topic?.Usage ?? Usage());
                return 0;
            }
            if (first == "--version")
            {
                context.Out.WriteLine($"llmlab {Version}");
                return 0;
            }

            command = Commands.FirstOrDefault(c => c.Name == first);
            if (command is null)
            {
                context.Error.WriteLine(first.StartsWith('-') ? $"llmlab: unknown option '{first}'" : $"llmlab: unknown command '{first}'");
                context.Error.Write(Usage());
                return UsageError;
            }

            var rest = args.Skip(1).ToArray();
            if (rest.Any(a => a is "-h" or "--help"))
            {
                context.Out.Write(command.Usage);
                return 0;
            }
            try
            {
                return command.Run(rest, context);
            }
            catch (OptionException e)
            {
                // The shared parser names the problem; llmlab words it (plainly, with the command's usage).
                throw CliException.Usage(e);
            }
        }
        catch (CliException e)
        {
            string prefix = command is null ? "llmlab" : $"llmlab {command.Name}";
            context.Error.WriteLine($"{prefix}: {e.Message}");
            if (e.ShowUsage) context.Error.Write(command?.Usage ?? Usage());
            return UsageError;
        }
        catch (Exception e)
        {
            context.Error.WriteLine($"llmlab: internal error: {e.GetType().Name}: {e.Message}");
            return InternalError;
        }
    }

    public static string Version =>
        typeof(Cli).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    public static string Usage()
    {
        var sb = new StringBuilder();
        sb.AppendLine("usage: llmlab <command> [options]");
        sb.AppendLine();
        sb.AppendLine("commands:");
        int width = Commands.Max(c => c.Name.Length);
        foreach (var c in Commands) sb.AppendLine($"  {c.Name.PadRight(width)}  {c.Summary}");
        sb.AppendLine();
        sb.AppendLine("'llmlab <command> --help' shows a command's options; 'llmlab --version' the version.");
        return sb.ToString();
    }
}
