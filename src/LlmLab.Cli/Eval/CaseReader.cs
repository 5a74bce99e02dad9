using LlmLab.Data;
using LlmLab.Evaluation;

namespace LlmLab.Cli.Eval;

/// <summary>
/// Reads evaluation cases, either from JSON lines or from sacrebleu-style parallel text files, and turns every
/// problem into a <see cref="CliException"/> that names the file and, where there is one, the line.
/// </summary>
public static class CaseReader
{
    /// <summary>
    /// One case a line: {"prediction": "...", "references": ["...", ...]}; other fields are ignored, blank lines
    /// skipped. Read by the engine's one case reader (<see cref="JsonlLoader.LoadEvaluationCases"/>); its problems
    /// are worded here as "FILE line N: ...".
    /// </summary>
    public static List<EvaluationCase> ReadJsonLines(string path) => ReadJsonLines(path, p => JsonlLoader.LoadEvaluationCases(p));

    /// <summary>
    /// Instruction items for <c>llmlab prompt-eval</c> (<see cref="JsonlLoader.LoadInstructions"/>), their problems
    /// worded the same way.
    /// </summary>
    public static List<InstructionExample> ReadInstructions(string path) => ReadJsonLines(path, JsonlLoader.LoadInstructions);

    private static List<T> ReadJsonLines<T>(string path, Func<string, IEnumerable<T>> load)
    {
        if (Directory.Exists(path)) throw new CliException($"cannot read '{path}': it is a directory");
        try
        {
            return [.. load(path)];
        }
        catch (DataFormatException e)
        {
            throw Problem(e);
        }
        catch (Exception e) when (IsUnreadable(e))
        {
            throw new CliException($"cannot read '{path}': {Reason(e)}");
        }
    }

    /// <summary>
    /// sacrebleu's layout: line i of the predictions file against line i of every references file. Lines are
    /// right-stripped as sacrebleu's command line does; all files must have the same number of lines.
    /// </summary>
    public static List<EvaluationCase> ReadLineFiles(string predictionsPath, IReadOnlyList<string> referencePaths)
    {
        var predictions = ReadAllLines(predictionsPath);
        var streams = new List<string[]>();
        foreach (string path in referencePaths)
        {
            var lines = ReadAllLines(path);
            if (lines.Length != predictions.Length)
                throw new CliException($"references file '{path}' has {lines.Length} lines but predictions file '{predictionsPath}' has {predictions.Length}");
            streams.Add(lines);
        }
        if (predictions.Length == 0) throw new CliException($"{predictionsPath}: no predictions");

        var cases = new List<EvaluationCase>(predictions.Length);
        for (int i = 0; i < predictions.Length; i++)
            cases.Add(new EvaluationCase(predictions[i], streams.Select(s => s[i]).ToArray()));
        return cases;
    }

    private static string[] ReadAllLines(string path) => ReadLines(path).Select(RStrip).ToArray();

    /// <summary>Python's str.rstrip(): trailing whitespace, including U+001C..U+001F.</summary>
    private static string RStrip(string line)
    {
        int end = line.Length;
        while (end > 0 && (char.IsWhiteSpace(line[end - 1]) || line[end - 1] is >= '\x1c' and <= '\x1f')) end--;
        return end == line.Length ? line : line[..end];
    }

    /// <summary>The file's lines through the engine's strict UTF-8 reader, its problems worded as the CLI's.</summary>
    private static List<string> ReadLines(string path)
    {
        if (Directory.Exists(path)) throw new CliException($"cannot read '{path}': it is a directory");
        try
        {
            return [.. TextFileLoader.Lines(path)];
        }
        catch (DataFormatException e)
        {
            throw Problem(e);
        }
        catch (Exception e) when (IsUnreadable(e))
        {
            throw new CliException($"cannot read '{path}': {Reason(e)}");
        }
    }

    private static CliException Problem(DataFormatException e) =>
        new(e.Line is { } line ? $"{e.FilePath} line {line}: {e.Problem}" : $"{e.FilePath}: {e.Problem}");

    /// <summary>A file that cannot be opened or read (a path .NET refuses, a missing file, no permission, an I/O error).</summary>
    private static bool IsUnreadable(Exception e) => e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException;

    private static string Reason(Exception e) => e switch
    {
        FileNotFoundException or DirectoryNotFoundException => "no such file",
        UnauthorizedAccessException => "permission denied",
        _ => e.Message.Trim(),
    };
}
