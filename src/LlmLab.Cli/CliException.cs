namespace LlmLab.Cli;

/// <summary>
/// A failure the user can fix (bad input file, inconsistent arguments): reported as one line on standard error,
/// exit code 2, never with a stack trace. <see cref="ShowUsage"/> adds the command's usage (unknown options and the like).
/// </summary>
public sealed class CliException(string message, bool showUsage = false) : Exception(message)
{
    public bool ShowUsage { get; } = showUsage;

    public static CliException Usage(string message) => new(message, showUsage: true);

    /// <summary>The shared option parser's refusal in llmlab's words: plain, without suggestions, with the usage.</summary>
    internal static CliException Usage(OptionException e) => Usage(e.Problem switch
    {
        OptionProblem.UnknownOption => $"unknown option '{e.Option}'",
        OptionProblem.MissingValue => $"option '{e.Option}' needs a value",
        OptionProblem.GivenTwice => $"option '{e.Option}' is given more than once",
        OptionProblem.FlagWithValue => $"option '{e.Option}' takes no value",
        _ => $"unexpected argument '{e.Argument}'",
    });
}
