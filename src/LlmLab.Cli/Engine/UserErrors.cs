using LlmLab.Backends;
using LlmLab.IO;
using LlmLab.Tokenizers;

namespace LlmLab.Cli.Engine;

/// <summary>
/// The engine reports bad input (a missing or malformed file, a config it cannot honour, an out-of-range setting,
/// an absent device) with exceptions whose messages already name the file, key or value; a command runs its engine
/// calls through <see cref="Run"/> so that those become one-line <see cref="CliException"/>s (exit 2). Anything
/// else stays an internal error (exit 1).
/// </summary>
internal static class UserErrors
{
    public static T Run<T>(Func<T> action)
    {
        try
        {
            return action();
        }
        catch (Exception e) when (IsUserError(e))
        {
            throw new CliException(Message(e));
        }
    }

    public static void Run(Action action) => Run(() => { action(); return 0; });

    private static bool IsUserError(Exception e) =>
        e is InvalidDataException or SafetensorsException or TokenizerFileException or ArgumentException
            or BackendUnavailableException or FileNotFoundException or DirectoryNotFoundException
            or UnauthorizedAccessException or NotSupportedException or IOException;

    // ArgumentException appends " (Parameter 'x')", which means nothing to someone at a command line.
    private static string Message(Exception e) =>
        e is ArgumentException { ParamName: { } name } a ? a.Message.Replace($" (Parameter '{name}')", "") : e.Message;
}
