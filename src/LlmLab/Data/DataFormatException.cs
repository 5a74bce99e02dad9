namespace LlmLab.Data;

/// <summary>A data file that does not hold what its loader expects: the message names the file and, where one is
/// to blame, the line ("data.jsonl:3: field 'output' is missing").</summary>
public sealed class DataFormatException : Exception
{
    public DataFormatException(string path, long? line, string problem, Exception? inner = null)
        : base(path + (line is null ? "" : $":{line}") + ": " + problem, inner)
    {
        FilePath = path;
        Line = line;
        Problem = problem;
    }

    public string FilePath { get; }

    /// <summary>1-based line number, or null where the problem is the whole file.</summary>
    public long? Line { get; }

    /// <summary>What is wrong, without the file and line (for callers that name them their own way).</summary>
    public string Problem { get; }
}
