namespace LlmLab.Experiments;

/// <summary>
/// A parsed command line: the command, its positional arguments and option values. Options are <c>--name value</c>
/// or <c>--name=value</c> (the shared <see cref="OptionParser"/>, which the <c>llmlab</c> tool uses too); unknown
/// options, missing values and a second value for an option that does not repeat are
/// <see cref="ExperimentConfigException"/>s naming the option (with "did you mean" where one is close).
/// </summary>
internal sealed class CommandLine
{
    private readonly OptionParser _options;

    private CommandLine(CommandSpec command, OptionParser options)
    {
        Command = command;
        _options = options;
    }

    public CommandSpec Command { get; }
    public IReadOnlyList<string> Arguments => _options.Arguments;
    public bool Help { get; private init; }

    public IReadOnlyList<string> All(string option) => _options.Values("--" + option);
    public string? Single(string option) => _options.Value("--" + option);
    public bool Has(string option) => _options.Has("--" + option);

    /// <summary>Parses <paramref name="args"/>; the first is the command (no arguments at all is <c>run</c> of the default experiment).</summary>
    public static CommandLine Parse(IReadOnlyList<string> args)
    {
        if (args.Count == 0) return new CommandLine(CommandSpec.Find("run")!, new OptionParser());
        string first = args[0];
        // "help", "--help": the general usage; "help run": that command's. GeneralHelp carries which.
        if (first is "-h" or "--help" or "help")
            return new CommandLine(CommandSpec.Find(args.Count > 1 ? args[1] : "") ?? CommandSpec.Find("list")!, new OptionParser())
                { Help = true, GeneralHelp = args.Count < 2 || CommandSpec.Find(args[1]) is null };

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

        var parser = new OptionParser().AllowArguments(int.MaxValue);
        foreach (var option in command.Options)
            if (option.Flag) parser.Flag("--" + option.Name);
            else if (option.Repeats) parser.Repeated("--" + option.Name);
            else parser.Single("--" + option.Name);
        try
        {
            parser.Parse(args, start);
        }
        catch (OptionException e)
        {
            throw new ExperimentConfigException(Words(command, e));
        }

        var line = new CommandLine(command, parser) { Help = parser.Help };
        if (!line.Help && line.Arguments.Count < command.MinArguments)
            throw new ExperimentConfigException($"{command.Name}: expected {command.Arguments}");
        if (!line.Help && line.Arguments.Count > command.MaxArguments)
            throw new ExperimentConfigException($"{command.Name}: unexpected argument '{line.Arguments[command.MaxArguments]}'");
        return line;
    }

    /// <summary>True for <c>--help</c> with no command (or an unknown one): the general usage.</summary>
    public bool GeneralHelp { get; private init; }

    /// <summary>The host's words for a refused command line: prefixed with the command, options suggested.</summary>
    private static string Words(CommandSpec command, OptionException e) => e.Problem switch
    {
        OptionProblem.UnknownOption when command.Options.Count == 0 => $"{command.Name} takes no options; '{e.Argument}' is not one",
        OptionProblem.UnknownOption => $"{command.Name}: unknown option '{e.Option}'" + Suggestions.DidYouMean(e.Option, e.Declared),
        OptionProblem.MissingValue => $"{command.Name}: {e.Option} needs a value ({command.Options.First(o => "--" + o.Name == e.Option).Value})",
        OptionProblem.GivenTwice => $"{command.Name}: {e.Option} is given twice",
        OptionProblem.SingleDash => $"{command.Name}: unknown option '{e.Argument}' (options start with '--')",
        OptionProblem.FlagWithValue => $"{command.Name}: {e.Option} takes no value",
        _ => $"{command.Name}: unexpected argument '{e.Argument}'",
    };
}
