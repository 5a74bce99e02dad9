using Spectre.Console;

namespace LlmLab.Experiments;

/// <summary>
/// The console a <see cref="RunRecorder"/> writes to: Spectre.Console for live progress, whether it is a terminal,
/// and plain log lines. The host's console implements it.
/// </summary>
internal interface IRunConsole
{
    IAnsiConsole Output { get; }
    bool Interactive { get; }
    void Line(string text);
}
