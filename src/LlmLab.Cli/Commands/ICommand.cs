namespace LlmLab.Cli.Commands;

/// <summary>
/// One <c>llmlab</c> sub-command. Each lives in its own file under Commands/ and is listed once in
/// <see cref="Cli.Commands"/>; the dispatcher handles help, unknown commands and errors for all of them.
/// </summary>
public interface ICommand
{
    /// <summary>The word after <c>llmlab</c>, e.g. "eval".</summary>
    string Name { get; }

    /// <summary>One line for the command list.</summary>
    string Summary { get; }

    /// <summary>The full usage text, starting with the "usage: llmlab NAME ..." line.</summary>
    string Usage { get; }

    /// <summary>Runs with the arguments after the command name; returns the exit code. Throws <see cref="CliException"/> for user errors.</summary>
    int Run(IReadOnlyList<string> args, CliContext context);
}
