using System.Globalization;
using LlmLab.Cli;

namespace LlmLab.Cli.Tests;

/// <summary>Runs <c>llmlab</c> in-process through its entry method, capturing standard output and error.</summary>
internal sealed record CliResult(int ExitCode, string Out, string Error)
{
    public static CliResult Run(params string[] args)
    {
        var stdout = new StringWriter(CultureInfo.InvariantCulture);
        var stderr = new StringWriter(CultureInfo.InvariantCulture);
        int code = Cli.Run(args, new CliContext(stdout, stderr));
        return new CliResult(code, stdout.ToString(), stderr.ToString());
    }

    /// <summary>Asserts a user error: exit code 2, nothing on standard output, no stack trace, the message present.</summary>
    public void AssertUserError(string expectedMessagePart)
    {
        Assert.True(ExitCode == 2, $"exit code {ExitCode}, stderr: {Error}");
        Assert.Equal("", Out);
        Assert.Contains(expectedMessagePart, Error);
        Assert.DoesNotContain("   at ", Error);
        Assert.DoesNotContain("Exception", Error);
    }
}

/// <summary>A temporary folder for input files, deleted afterwards.</summary>
internal sealed class TempFolder : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("llmlab-cli-tests-").FullName;

    public string Write(string name, string content)
    {
        string path = System.IO.Path.Combine(Path, name);
        File.WriteAllText(path, content);
        return path;
    }

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
