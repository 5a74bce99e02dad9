using LlmLab.Data;

namespace LlmLab.Tests.Data;

public class CsvLoaderTests
{
    private static List<string[]> Rows(string path, char delimiter = ',') =>
        CsvLoader.ReadRecords(path, delimiter).Select(r => r.Fields).ToList();

    [Fact]
    public void Quoted_fields_hold_delimiters_doubled_quotes_and_line_breaks()
    {
        using var files = new TempFiles();
        string path = files.Write("a.csv", "input,output\r\n\"a, b\",\"say \"\"hi\"\"\"\r\n\"line one\nline two\",\"\"\r\nplain,\"\"\"\"\r\n");
        Assert.Equal(
            [new TextPair("a, b", "say \"hi\""), new TextPair("line one\nline two", ""), new TextPair("plain", "\"")],
            CsvLoader.LoadPairs(path).ToList());
    }

    [Fact]
    public void Records_know_their_starting_line_across_multi_line_fields()
    {
        using var files = new TempFiles();
        string path = files.Write("a.csv", "h1,h2\n\"x\ny\nz\",1\n\nlast,2");
        var records = CsvLoader.ReadRecords(path).ToList();
        Assert.Equal([1L, 2L, 6L], records.Select(r => r.Line));
        Assert.Equal(["last", "2"], records[2].Fields);
    }

    [Fact]
    public void Line_endings_trailing_newline_empty_fields_and_blank_lines()
    {
        using var files = new TempFiles();
        Assert.Equal([["a", "b"], ["c", "d"]], Rows(files.Write("crlf.csv", "a,b\r\nc,d\r\n")));
        Assert.Equal([["a", "b"], ["c", "d"]], Rows(files.Write("cr.csv", "a,b\rc,d")));
        Assert.Equal([["a", "", ""], ["", "", "x"]], Rows(files.Write("empty.csv", "a,,\n,,x\n")));
        Assert.Equal([["a"], ["b"]], Rows(files.Write("blank.csv", "\na\n\n\r\nb\n\n")));
        Assert.Equal([[""]], Rows(files.Write("quoted-empty.csv", "\"\"\n")));
        Assert.Equal([[" spaced ", "x"]], Rows(files.Write("spaces.csv", " spaced ,x")));
        Assert.Empty(Rows(files.Write("nothing.csv", "")));
    }

    [Fact]
    public void Columns_are_chosen_by_header_name_with_any_delimiter()
    {
        using var files = new TempFiles();
        string path = files.WriteBytes("semi.csv", [0xEF, 0xBB, 0xBF, .. "id;text;label\n1;\"a;b\";pos\n2;c;neg\n"u8.ToArray()]);
        var records = CsvLoader.Load(path, ["label", "text"], delimiter: ';').ToList();
        Assert.Equal(["pos", "neg"], records.Select(r => r["label"]));
        Assert.Equal(["a;b", "c"], CsvLoader.LoadTexts(path, delimiter: ';').ToList());
        Assert.Equal(3L, records[1].Line);
    }

    [Theory]
    [InlineData("input,output\na,\"unclosed\nmore\n", 2, "a quoted field is never closed")]
    [InlineData("input,output\n\"a\"b,c\n", 2, "unexpected 'b' after a closing quote")]
    [InlineData("input,output\nab\"c,d\n", 2, "a quote inside an unquoted field")]
    [InlineData("input,output\n\"x\ny\",z\nonly-one\n", 4, "the row has 1 fields but the header has 2")]
    [InlineData("input,output\na,b,c\n", 2, "the row has 3 fields but the header has 2")]
    [InlineData("input,target\na,b\n", 1, "no column 'output' in the header (columns: 'input', 'target')")]
    [InlineData("input,output,input\na,b,c\n", 1, "the header names column 'input' twice")]
    public void Malformed_csv_throws_naming_file_and_line(string text, long line, string expected)
    {
        using var files = new TempFiles();
        string path = files.Write("bad.csv", text);
        var e = Assert.Throws<DataFormatException>(() => CsvLoader.LoadPairs(path).ToList());
        Assert.StartsWith($"{path}:{line}: {expected}", e.Message);
        Assert.Equal(line, e.Line);
    }

    [Fact]
    public void Empty_file_missing_file_invalid_utf8_and_bad_arguments_are_reported()
    {
        using var files = new TempFiles();
        string empty = files.Write("empty.csv", "\n\n");
        Assert.Equal($"{empty}: the file is empty (expected a header row)",
            Assert.Throws<DataFormatException>(() => CsvLoader.LoadPairs(empty).ToList()).Message);
        Assert.Throws<FileNotFoundException>(() => CsvLoader.LoadPairs(Path.Combine(files.Directory, "none.csv")).ToList());
        string bad = files.WriteBytes("bad.csv", [(byte)'a', (byte)',', 0xFE]);
        Assert.Contains("not valid UTF-8", Assert.Throws<DataFormatException>(() => CsvLoader.ReadRecords(bad).ToList()).Message);
        Assert.Throws<ArgumentException>(() => CsvLoader.ReadRecords(empty, '"').ToList());
        Assert.Throws<ArgumentException>(() => CsvLoader.Load(empty, []).ToList());
    }
}
