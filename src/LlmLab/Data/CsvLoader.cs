using System.Text;

namespace LlmLab.Data;

/// <summary>One CSV record: its fields and the line it starts on (1-based).</summary>
public sealed record CsvRecord(long Line, string[] Fields);

/// <summary>
/// CSV as RFC 4180 describes it, streamed a character at a time: fields separated by the delimiter, records by
/// CRLF, LF or CR; a field in double quotes may hold delimiters, line breaks and doubled quotes (""). Blank lines are
/// skipped. A quote inside an unquoted field, text after a closing quote, or a quote left open at the end of the file
/// throws a DataFormatException naming the file and line.
/// </summary>
public static class CsvLoader
{
    /// <summary>The requested columns of every row after the header row; every row must have the header's width.</summary>
    public static IEnumerable<DataRecord> Load(string path, IReadOnlyList<string> columns, char delimiter = ',')
    {
        if (columns.Count == 0) throw new ArgumentException("csv loader: name at least one column", nameof(columns));
        using var records = ReadRecords(path, delimiter).GetEnumerator();
        if (!records.MoveNext()) throw new DataFormatException(path, null, "the file is empty (expected a header row)");
        var header = records.Current;
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < header.Fields.Length; i++)
            if (!index.TryAdd(header.Fields[i], i))
                throw new DataFormatException(path, header.Line, $"the header names column '{header.Fields[i]}' twice");
        var wanted = new int[columns.Count];
        for (int c = 0; c < columns.Count; c++)
            if (!index.TryGetValue(columns[c], out wanted[c]))
                throw new DataFormatException(path, header.Line, $"no column '{columns[c]}' in the header (columns: "
                    + string.Join(", ", header.Fields.Select(f => $"'{f}'")) + ")");
        while (records.MoveNext())
        {
            var row = records.Current;
            if (row.Fields.Length != header.Fields.Length)
                throw new DataFormatException(path, row.Line,
                    $"the row has {row.Fields.Length} fields but the header has {header.Fields.Length}");
            var values = new Dictionary<string, string>(columns.Count, StringComparer.Ordinal);
            for (int c = 0; c < columns.Count; c++) values[columns[c]] = row.Fields[wanted[c]];
            yield return new DataRecord(path, row.Line, values);
        }
    }

    public static IEnumerable<TextPair> LoadPairs(string path, string inputColumn = "input", string outputColumn = "output",
        char delimiter = ',') =>
        Load(path, [inputColumn, outputColumn], delimiter).Select(r => new TextPair(r[inputColumn], r[outputColumn]));

    public static IEnumerable<string> LoadTexts(string path, string column = "text", char delimiter = ',') =>
        Load(path, [column], delimiter).Select(r => r[column]);

    /// <summary>Every record of the file, the header row (if any) included.</summary>
    public static IEnumerable<CsvRecord> ReadRecords(string path, char delimiter = ',')
    {
        if (delimiter is '"' or '\r' or '\n') throw new ArgumentException($"csv loader: '{delimiter}' cannot be the delimiter", nameof(delimiter));
        using var reader = DataFiles.OpenText(path);
        var fields = new List<string>();
        var field = new StringBuilder();
        long line = 1, recordLine = 1, quoteLine = 0;
        bool quoted = false, afterQuote = false, fieldWasQuoted = false;
        while (true)
        {
            int ch;
            try { ch = reader.Read(); }
            catch (System.Text.DecoderFallbackException e) { throw DataFiles.InvalidUtf8(path, line - 1, e); }

            if (quoted)
            {
                if (ch < 0) throw new DataFormatException(path, quoteLine, "a quoted field is never closed (missing '\"')");
                if (ch == '"')
                {
                    if (reader.Peek() == '"') { reader.Read(); field.Append('"'); }
                    else { quoted = false; afterQuote = true; }
                    continue;
                }
                if (ch == '\n' || (ch == '\r' && reader.Peek() != '\n')) line++;
                field.Append((char)ch);
                continue;
            }

            bool endOfRecord = ch < 0 || ch == '\n' || ch == '\r';
            if (ch == delimiter || endOfRecord)
            {
                bool blankLine = fields.Count == 0 && field.Length == 0 && !fieldWasQuoted;
                fields.Add(field.ToString());
                field.Clear();
                afterQuote = fieldWasQuoted = false;
                if (endOfRecord)
                {
                    if (!blankLine) yield return new CsvRecord(recordLine, [.. fields]);
                    fields.Clear();
                    if (ch < 0) yield break;
                    if (ch == '\r' && reader.Peek() == '\n') reader.Read();
                    recordLine = ++line;
                }
                continue;
            }
            if (afterQuote)
                throw new DataFormatException(path, line, $"unexpected '{(char)ch}' after a closing quote (expected '{delimiter}' or the end of the line)");
            if (ch == '"')
            {
                if (field.Length > 0)
                    throw new DataFormatException(path, line, "a quote inside an unquoted field (quote the whole field and double the quote: \"\")");
                quoted = fieldWasQuoted = true;
                quoteLine = line;
                continue;
            }
            field.Append((char)ch);
        }
    }
}
