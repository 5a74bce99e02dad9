namespace LlmLab.Experiments;

/// <summary>
/// A parsed command line: the command, its positional arguments and option values. Options are <c>--name value</c>
/// or <c>--name=value</c>; unknown options, missing values and a second value for an option that does not repeat
/// are <see cref="ExperimentConfigException"/>s naming the option (with "did you mean" where one is close).
/// </summary>
internal sealed class CommandLine
{
    private readonly Dictionary<string, List<string>> options = [];

    private CommandLine(CommandSpec command) => Command = command;

    public CommandSpec Command { get; }
    public List<string> Arguments { get; } = [];
    public bool Help { get; private set; }

    public IReadOnlyList<string> All(string option) => options.TryGetValue(option, out var values) ? values : [];
    public string? Single(string option) => options.TryGetValue(option, out var values) ? values[^1] : null;
    public bool Has(string option) => options.ContainsKey(option);

    /// <summary>Parses <paramref name="args"/>; the first is the command (no arguments at all is <c>run</c> of the default experiment).</summary>
    public static CommandLine Parse(IReadOnlyList<string> args)
    {
        if (args.Count == 0) return new CommandLine(CommandSpec.Find("run")!);
        string first = args[0];
        // "help", "--help": the general usage; "help run": that command's. GeneralHelp carries which.
        if (first is "-h" or "--help" or "help")
            return new CommandLine(CommandSpec.Find(args.Count > 1 ? args[1] : "") ?? CommandSpec.Find("list")!) { Help = true, GeneralHelp = args.Count < 2 || CommandSpec.Find(args[1]) is null };

        int start = 1;
        CommandSpec? command = CommandSpec.Find(first);
        if (command is null)
        {
            // "--set k=v" with no command runs the default experiment with options.
            if (first.StartsWith("--", StringComparison.Ordinal) && CommandSpec.Find("run")!.Options.Any(o => first[2..].Split('=')[0] == o.Name))
            {
                command = CommandSpec.Find("run")!;
                start = 0;
            }
            else if (first.StartsWith('-'))
                throw new ExperimentConfigException($"unknown option '{first}'" + Suggestions.DidYouMean(first, CommandSpec.Find("run")!.Options.Select(o => "--" + o.Name)));
            else
                throw new ExperimentConfigException($"unknown command '{first}'" + Suggestions.DidYouMean(first, CommandSpec.All.Select(c => c.Name)));
        }

        var line = new CommandLine(command);
        for (int i = start; i < args.Count; i++)
        {
            string arg = args[i];
            if (arg is "-h" or "--help") { line.Help = true; continue; }
            if (!arg.StartsWith("--", StringComparison.Ordinal) || arg == "--")
            {
                if (arg.StartsWith('-') && arg.Length > 1 && !double.TryParse(arg, System.Globalization.CultureInfo.InvariantCulture, out _))
                    throw new ExperimentConfigException($"{command.Name}: unknown option '{arg}' (options start with '--')");
                line.Arguments.Add(arg);
                continue;
            }

            int equals = arg.IndexOf('=');
            string name = equals > 0 ? arg[2..equals] : arg[2..];
            var spec = command.Options.FirstOrDefault(o => o.Name == name)
                ?? throw new ExperimentConfigException(command.Options.Count == 0
                    ? $"{command.Name} takes no options; '{arg}' is not one"
                    : $"{command.Name}: unknown option '--{name}'" + Suggestions.DidYouMean("--" + name, command.Options.Select(o => "--" + o.Name)));
            string value;
            if (equals > 0) value = arg[(equals + 1)..];
            else if (i + 1 < args.Count) value = args[++i];
            else throw new ExperimentConfigException($"{command.Name}: --{name} needs a value ({spec.Value})");

            if (!line.options.TryGetValue(name, out var values)) line.options[name] = values = [];
            else if (!spec.Repeats) throw new ExperimentConfigException($"{command.Name}: --{name} is given twice");
            values.Add(value);
        }

        if (!line.Help && line.Arguments.Count < command.MinArguments)
            throw new ExperimentConfigException($"{command.Name}: expected {command.Arguments}");
        if (!line.Help && line.Arguments.Count > command.MaxArguments)
            throw new ExperimentConfigException($"{command.Name}: unexpected argument '{line.Arguments[command.MaxArguments]}'");
        return line;
    }

    /// <summary>True for <c>--help</c> with no command (or an unknown one): the general usage.</summary>
    public bool GeneralHelp { get; private init; }
}
