namespace LlmLab.Cli;

/// <summary>Where a command writes: standard output, standard error, and the width tables are laid out for.</summary>
public sealed record CliContext(TextWriter Out, TextWriter Error, int Width = CliContext.DefaultWidth)
{
    public const int DefaultWidth = 120;
}
