using System.Text;
using System.Text.Json;
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
    /// skipped. Strings are used exactly as given.
    /// </summary>
    public static List<EvaluationCase> ReadJsonLines(string path)
    {
        var cases = new List<EvaluationCase>();
        int lineNumber = 0;
        foreach (string line in ReadLines(path))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            cases.Add(ParseCase(line, path, lineNumber));
        }
        if (cases.Count == 0) throw new CliException($"{path}: no cases");
        return cases;
    }

    private static EvaluationCase ParseCase(string line, string path, int lineNumber)
    {
        string where = $"{path} line {lineNumber}";
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(line);
        }
        catch (JsonException e)
        {
            throw new CliException($"{where}: malformed JSON at character {CharacterPosition(line, e.BytePositionInLine)}: {FirstSentence(e.Message)}");
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw new CliException($"{where}: expected a JSON object, found {Describe(root)}");

            if (!root.TryGetProperty("prediction", out var prediction)) throw new CliException($"{where}: missing \"prediction\"");
            if (prediction.ValueKind != JsonValueKind.String) throw new CliException($"{where}: \"prediction\" must be a string, found {Describe(prediction)}");

            if (!root.TryGetProperty("references", out var references)) throw new CliException($"{where}: missing \"references\"");
            if (references.ValueKind != JsonValueKind.Array) throw new CliException($"{where}: \"references\" must be an array of strings, found {Describe(references)}");
            var list = new List<string>(references.GetArrayLength());
            foreach (var reference in references.EnumerateArray())
            {
                if (reference.ValueKind != JsonValueKind.String)
                    throw new CliException($"{where}: \"references\" must be an array of strings, found {Describe(reference)} in it");
                list.Add(reference.GetString()!);
            }
            if (list.Count == 0) throw new CliException($"{where}: the case has no references");
            return new EvaluationCase(prediction.GetString()!, list);
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

    // Bytes that are not UTF-8 are an error naming their line, not U+FFFD scored as text: each line is split off as
    // bytes (at \n, \r\n or \r, as File.ReadLines splits) and decoded strictly. A UTF-8 byte-order mark is skipped.
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private static IEnumerable<string> ReadLines(string path)
    {
        if (Directory.Exists(path)) throw new CliException($"cannot read '{path}': it is a directory");
        Stream stream;
        try
        {
            stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new CliException($"cannot read '{path}': {Reason(e)}");
        }
        using (stream)
        {
            var line = new MemoryStream();
            int lineNumber = 0;
            bool first = true, afterCarriageReturn = false;
            while (true)
            {
                int b;
                try
                {
                    b = stream.ReadByte();
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    throw new CliException($"cannot read '{path}': {Reason(e)}");
                }
                if (b < 0) break;
                if (afterCarriageReturn && b == '\n')
                {
                    afterCarriageReturn = false;
                    continue;
                }
                afterCarriageReturn = b == '\r';
                if (b is '\n' or '\r')
                {
                    yield return Decode(line, path, ++lineNumber, first);
                    first = false;
                    line.SetLength(0);
                }
                else line.WriteByte((byte)b);
            }
            if (line.Length > 0) yield return Decode(line, path, ++lineNumber, first);
        }
    }

    private static string Decode(MemoryStream line, string path, int lineNumber, bool first)
    {
        var bytes = line.GetBuffer().AsSpan(0, (int)line.Length);
        if (first && bytes.StartsWith("\uFEFF"u8)) bytes = bytes[3..];
        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw new CliException($"{path} line {lineNumber}: not valid UTF-8");
        }
    }

    private static string Reason(Exception e) => e switch
    {
        FileNotFoundException or DirectoryNotFoundException => "no such file",
        UnauthorizedAccessException => "permission denied",
        _ => FirstSentence(e.Message),
    };

    /// <summary>The 1-based character position of a UTF-8 byte offset into the line.</summary>
    private static long CharacterPosition(string line, long? byteOffset)
    {
        byte[] bytes = System.Text.Encoding.UTF8.GetBytes(line);
        int offset = (int)Math.Clamp(byteOffset ?? 0, 0, bytes.Length);
        return System.Text.Encoding.UTF8.GetCharCount(bytes, 0, offset) + 1;
    }

    private static string Describe(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => "nothing",
    };

    /// <summary>System.Text.Json appends " LineNumber: 0 | BytePositionInLine: n." (positions within the one-line document): drop it.</summary>
    private static string FirstSentence(string message)
    {
        int cut = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        return (cut >= 0 ? message[..cut] : message).Trim();
    }
}
