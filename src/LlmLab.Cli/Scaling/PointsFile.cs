using System.Globalization;
using LlmLab.Data;
using LlmLab.Scaling;

namespace LlmLab.Cli.Scaling;

/// <summary>
/// The training runs for <c>llmlab scaling fit</c>: a CSV file (RFC 4180, read by the engine's
/// <see cref="CsvLoader"/>) whose header names the columns N, D and loss, in any order and any case, and optionally
/// C. Every problem is a <see cref="CliException"/> naming the file and, where one is to blame, the line: a column
/// missing or unknown, a row of the wrong width, a value that is not a positive finite number.
/// </summary>
public static class PointsFile
{
    private static readonly string[] Required = ["N", "D", "loss"];
    private const string Compute = "C";

    public static List<ScalingPoint> Read(string path)
    {
        if (Directory.Exists(path)) throw new CliException($"cannot read '{path}': it is a directory");
        try
        {
            return Parse(path);
        }
        catch (DataFormatException e)
        {
            throw new CliException(e.Line is { } line ? $"{e.FilePath} line {line}: {e.Problem}" : $"{e.FilePath}: {e.Problem}");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            string reason = e switch
            {
                FileNotFoundException or DirectoryNotFoundException => "no such file",
                UnauthorizedAccessException => "permission denied",
                _ => e.Message.Trim(),
            };
            throw new CliException($"cannot read '{path}': {reason}");
        }
    }

    private static List<ScalingPoint> Parse(string path)
    {
        using var records = CsvLoader.ReadRecords(path).GetEnumerator();
        if (!records.MoveNext()) throw new CliException($"{path}: the file is empty (expected a header naming N, D, loss and optionally C)");
        var header = records.Current;
        var columns = Columns(path, header);
        var points = new List<ScalingPoint>();
        while (records.MoveNext())
        {
            var row = records.Current;
            if (row.Fields.Length != header.Fields.Length)
                throw new CliException($"{path} line {row.Line}: expected {header.Fields.Length} values as in the header, found {row.Fields.Length}");
            double Value(string column) => Number(path, row.Line, column, row.Fields[columns[column]]);
            points.Add(new ScalingPoint(Value("N"), Value("D"), Value("loss"), columns.ContainsKey(Compute) ? Value(Compute) : null));
        }
        return points;
    }

    /// <summary>Each known column's index in the header, under its canonical name.</summary>
    private static Dictionary<string, int> Columns(string path, CsvRecord header)
    {
        var columns = new Dictionary<string, int>(StringComparer.Ordinal);
        var unknown = new List<string>();
        for (int i = 0; i < header.Fields.Length; i++)
        {
            string field = header.Fields[i].Trim();
            string? name = Required.Append(Compute).FirstOrDefault(c => string.Equals(c, field, StringComparison.OrdinalIgnoreCase));
            if (name is null) unknown.Add($"'{field}'");
            else if (!columns.TryAdd(name, i)) throw new CliException($"{path} line {header.Line}: column '{name}' appears twice in the header");
        }
        if (unknown.Count > 0)
            throw new CliException($"{path} line {header.Line}: unknown column{(unknown.Count > 1 ? "s" : "")} {string.Join(", ", unknown)} (the columns are N, D, loss and optionally C)");
        foreach (string name in Required)
            if (!columns.ContainsKey(name))
                throw new CliException($"{path} line {header.Line}: no column '{name}' in the header (it needs N, D and loss; C is optional)");
        return columns;
    }

    private static double Number(string path, long line, string column, string text)
    {
        string trimmed = text.Trim();
        if (!double.TryParse(trimmed, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) || !double.IsFinite(value))
            throw new CliException($"{path} line {line}: {column} '{trimmed}' is not a number");
        if (value <= 0) throw new CliException($"{path} line {line}: {column} must be positive, got {trimmed}");
        return value;
    }
}
