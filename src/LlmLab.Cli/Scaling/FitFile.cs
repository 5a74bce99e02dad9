using System.Text.Json;
using LlmLab.Scaling;

namespace LlmLab.Cli.Scaling;

/// <summary>
/// Reads the law that <c>llmlab scaling fit --format json</c> wrote (<see cref="ScalingReport.Json(ScalingFit)"/>)
/// for <c>llmlab scaling plan --fit</c>: a JSON object with numbers E, A, B, alpha and beta (other keys ignored).
/// Anything else is a one-line <see cref="CliException"/> naming the file.
/// </summary>
public static class FitFile
{
    public static ScalingLaw Read(string path)
    {
        if (Directory.Exists(path)) throw new CliException($"cannot read '{path}': it is a directory");
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new CliException($"cannot read '{path}': {(e is FileNotFoundException or DirectoryNotFoundException ? "no such file" : e.Message.Trim())}");
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(text);
        }
        catch (JsonException e)
        {
            throw new CliException($"{path}: malformed fit file: not valid JSON (line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1})");
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw new CliException($"{path}: malformed fit file: expected a JSON object as 'llmlab scaling fit --format json' writes");
            if (root.TryGetProperty("budgets", out _) && !root.TryGetProperty("E", out _))
                throw new CliException($"{path}: holds an Approach 2 fit (exponents only); plan needs an Approach 3 fit with E, A, B, alpha and beta");
            double Get(string name, bool zeroAllowed = false)
            {
                if (!root.TryGetProperty(name, out var element)) throw new CliException($"{path}: malformed fit file: missing \"{name}\"");
                if (element.ValueKind != JsonValueKind.Number || !element.TryGetDouble(out double value) || !double.IsFinite(value))
                    throw new CliException($"{path}: malformed fit file: \"{name}\" must be a number");
                if (value < 0 || (value == 0 && !zeroAllowed))
                    throw new CliException($"{path}: malformed fit file: \"{name}\" must be {(zeroAllowed ? "non-negative" : "positive")}, got {element.GetRawText()}");
                return value;
            }
            return new ScalingLaw(Get("E", zeroAllowed: true), Get("A"), Get("B"), Get("alpha"), Get("beta"));
        }
    }
}
