namespace LlmLab.Cli.Tests;

/// <summary>The dispatcher: help, version, unknown commands and options (one line, usage, exit 2).</summary>
public class DispatchTests
{
    [Fact]
    public void No_command_prints_usage_and_exits_2()
    {
        var r = CliResult.Run();
        r.AssertUserError("llmlab: no command given");
        Assert.Contains("usage: llmlab <command>", r.Error);
    }

    [Fact]
    public void Help_lists_the_commands()
    {
        foreach (var args in new[] { new[] { "--help" }, ["-h"], ["help"] })
        {
            var r = CliResult.Run(args);
            Assert.Equal(0, r.ExitCode);
            Assert.Contains("usage: llmlab <command>", r.Out);
            Assert.Contains("eval", r.Out);
            Assert.Equal("", r.Error);
        }
    }

    [Fact]
    public void Command_help_shows_its_options()
    {
        foreach (var args in new[] { new[] { "eval", "--help" }, ["help", "eval"] })
        {
            var r = CliResult.Run(args);
            Assert.Equal(0, r.ExitCode);
            Assert.Contains("usage: llmlab eval --input", r.Out);
            Assert.Contains("--metrics", r.Out);
        }
    }

    [Fact]
    public void Version_prints_one_line()
    {
        var r = CliResult.Run("--version");
        Assert.Equal(0, r.ExitCode);
        Assert.Matches(@"^llmlab \d+\.\d+\.\d+\r?\n$", r.Out);
    }

    [Fact]
    public void Unknown_command_is_one_line_plus_usage()
    {
        var r = CliResult.Run("frobnicate", "--x");
        r.AssertUserError("llmlab: unknown command 'frobnicate'");
        var lines = r.Error.Split('\n');
        Assert.Equal("llmlab: unknown command 'frobnicate'", lines[0].TrimEnd('\r'));
        Assert.Equal("usage: llmlab <command> [options]", lines[1].TrimEnd('\r'));
    }

    [Fact]
    public void Unknown_top_level_option_is_reported()
    {
        CliResult.Run("--frobnicate").AssertUserError("llmlab: unknown option '--frobnicate'");
    }

    [Fact]
    public void Unknown_command_option_is_one_line_plus_the_command_usage()
    {
        var r = CliResult.Run("eval", "--input", "x.jsonl", "--bogus");
        r.AssertUserError("llmlab eval: unknown option '--bogus'");
        Assert.Contains("usage: llmlab eval", r.Error);
    }

    [Theory]
    [InlineData(new[] { "eval", "--input" }, "option '--input' needs a value")]
    [InlineData(new[] { "eval", "stray" }, "unexpected argument 'stray'")]
    [InlineData(new[] { "eval", "--stemmer=yes" }, "option '--stemmer' takes no value")]
    [InlineData(new[] { "eval", "--input", "a", "--input", "b" }, "option '--input' is given more than once")]
    [InlineData(new[] { "eval" }, "no input")]
    [InlineData(new[] { "eval", "--input", "a", "--predictions", "b" }, "either --input or --predictions")]
    [InlineData(new[] { "eval", "--predictions", "a" }, "--predictions needs at least one --references")]
    [InlineData(new[] { "eval", "--references", "a" }, "--references needs --predictions")]
    [InlineData(new[] { "eval", "--input", "a", "--metrics", "rouge,meteor" }, "unknown metric 'meteor'")]
    [InlineData(new[] { "eval", "--input", "a", "--format", "xml" }, "unknown format 'xml'")]
    public void Bad_arguments_are_usage_errors(string[] args, string message)
    {
        var r = CliResult.Run(args);
        r.AssertUserError(message);
        Assert.Contains("usage: llmlab eval", r.Error);
    }
}
