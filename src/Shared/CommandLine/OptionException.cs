namespace LlmLab;

/// <summary>What was wrong with a command line, so that each tool can say it in its own words.</summary>
internal enum OptionProblem
{
    /// <summary>A <c>--name</c> the command does not declare.</summary>
    UnknownOption,
    /// <summary>An option that takes a value came last, or before another <c>--option</c>.</summary>
    MissingValue,
    /// <summary>An option that does not repeat was given again.</summary>
    GivenTwice,
    /// <summary><c>--flag=value</c> for a flag.</summary>
    FlagWithValue,
    /// <summary>A single-dash word such as <c>-x</c> (negative numbers are arguments).</summary>
    SingleDash,
    /// <summary>A positional argument beyond those the command takes, or a bare <c>--</c>.</summary>
    UnexpectedArgument,
}

/// <summary>
/// <see cref="OptionParser"/>'s refusal of a command line: the problem, the argument as typed, the option it names
/// (without any "=value") and the options the command declares (for suggestions). The message is a plain default;
/// each tool catches this and words it as its users know it.
/// </summary>
internal sealed class OptionException(OptionProblem problem, string argument, string option, IReadOnlyList<string> declared)
    : Exception($"{problem}: '{argument}'")
{
    public OptionProblem Problem { get; } = problem;

    public string Argument { get; } = argument;

    public string Option { get; } = option;

    public IReadOnlyList<string> Declared { get; } = declared;
}
