namespace LlmLab.Cli;

/// <summary>
/// A failure the user can fix (bad input file, inconsistent arguments): reported as one line on standard error,
/// exit code 2, never with a stack trace. <see cref="ShowUsage"/> adds the command's usage (unknown options and the like).
/// </summary>
public sealed class CliException(string message, bool showUsage = false) : Exception(message)
{
    public bool ShowUsage { get; } = showUsage;

    public static CliException Usage(string message) => new(message, showUsage: true);
}
