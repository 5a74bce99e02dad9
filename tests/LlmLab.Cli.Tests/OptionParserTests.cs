namespace LlmLab.Cli.Tests;

/// <summary>
/// The option parser llmlab shares with the experiment host (src/Shared/CommandLine, linked into both): what it
/// accepts, and which problem it reports for what (each tool words the problem itself).
/// </summary>
public class OptionParserTests
{
    private static OptionParser Declared() =>
        new OptionParser().Single("--input").Repeated("--references").Flag("--stemmer").Positional("PATH");

    [Fact]
    public void Values_flags_repeats_and_positionals_are_read()
    {
        var options = Declared().Parse(["--input=a.jsonl", "--references", "r1", "--stemmer", "--references=r2", "-3"]);
        Assert.Equal("a.jsonl", options.Value("--input"));
        Assert.Equal(["r1", "r2"], options.Values("--references"));
        Assert.True(options.Has("--stemmer"));
        Assert.True(options.Has("--input"));
        Assert.False(options.Has("--format"));
        Assert.Null(options.Value("--format"));
        Assert.Equal("-3", options.PositionalValue("PATH")); // a negative number is an argument, not an option
        Assert.Equal(["-3"], options.Arguments);
        Assert.False(options.Help);
    }

    [Fact]
    public void Parsing_starts_where_asked_and_notes_help()
    {
        var options = Declared().Parse(["ignored", "--input", "x", "-h"], start: 1);
        Assert.Equal("x", options.Value("--input"));
        Assert.Empty(options.Arguments);
        Assert.True(options.Help);
    }

    [Fact]
    public void Unnamed_arguments_are_taken_up_to_the_allowed_count()
    {
        var options = new OptionParser().AllowArguments(2).Parse(["a", "b"]);
        Assert.Equal(["a", "b"], options.Arguments);
        Assert.Equal(OptionProblem.UnexpectedArgument, Refused(new OptionParser().AllowArguments(2), "a", "b", "c").Problem);
    }

    [Theory]
    [InlineData(nameof(OptionProblem.UnknownOption), "--inptu=x", "--inptu", "--inptu=x")]
    [InlineData(nameof(OptionProblem.MissingValue), "--input", "--input", "--input")]
    [InlineData(nameof(OptionProblem.MissingValue), "--input", "--input", "--input", "--stemmer")] // the next option is no value
    [InlineData(nameof(OptionProblem.GivenTwice), "--input", "--input", "--input", "a", "--input", "b")]
    [InlineData(nameof(OptionProblem.FlagWithValue), "--stemmer=yes", "--stemmer", "--stemmer=yes")]
    [InlineData(nameof(OptionProblem.SingleDash), "-x", "-x", "-x")]
    [InlineData(nameof(OptionProblem.UnexpectedArgument), "--", "--", "--")]
    [InlineData(nameof(OptionProblem.UnexpectedArgument), "b", "b", "a", "b")]
    public void Each_mistake_is_one_problem_naming_the_argument_and_option(string problem, string argument, string option, params string[] args)
    {
        var e = Refused(Declared(), args);
        Assert.Equal(problem, e.Problem.ToString());
        Assert.Equal(argument, e.Argument);
        Assert.Equal(option, e.Option);
        Assert.Equal(["--input", "--references", "--stemmer"], e.Declared);
    }

    private static OptionException Refused(OptionParser parser, params string[] args) =>
        Assert.Throws<OptionException>(() => parser.Parse(args));
}
