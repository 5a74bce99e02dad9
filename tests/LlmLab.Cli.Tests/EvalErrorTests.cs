namespace LlmLab.Cli.Tests;

/// <summary>Bad input to <c>llmlab eval</c>: one clear line naming the file (and line), exit code 2, nothing printed on standard output.</summary>
public class EvalErrorTests
{
    private const string Good = """{"prediction": "a b", "references": ["a b"]}""";

    private static CliResult RunOn(TempFolder temp, params string[] lines) =>
        CliResult.Run("eval", "--input", temp.Write("cases.jsonl", string.Join('\n', lines) + "\n"));

    [Fact]
    public void Malformed_json_line_is_reported_with_its_line_number_and_nothing_partial_is_printed()
    {
        using var temp = new TempFolder();
        var r = RunOn(temp, Good, Good, """{"prediction": "a b", "references": ["a b"]""", Good);
        r.AssertUserError("cases.jsonl line 3: malformed JSON");
        Assert.Single(r.Error.TrimEnd().Split('\n'));
    }

    [Fact]
    public void Missing_file_is_reported()
    {
        var r = CliResult.Run("eval", "--input", "/nonexistent/cases.jsonl");
        r.AssertUserError("cannot read '/nonexistent/cases.jsonl': no such file");
        r = CliResult.Run("eval", "--predictions", "/nonexistent/hyp.txt", "--references", "/nonexistent/ref.txt");
        r.AssertUserError("cannot read '/nonexistent/hyp.txt'");
        using var temp = new TempFolder();
        CliResult.Run("eval", "--input", temp.Path).AssertUserError("it is a directory");
    }

    [Theory]
    [InlineData("""{"prediction": "a", "references": []}""", "line 2: the case has no references")]
    [InlineData("""{"prediction": "a"}""", "line 2: missing \"references\"")]
    [InlineData("""{"references": ["a"]}""", "line 2: missing \"prediction\"")]
    [InlineData("""{"prediction": 3, "references": ["a"]}""", "line 2: \"prediction\" must be a string, found a number")]
    [InlineData("""{"prediction": "a", "references": "a"}""", "line 2: \"references\" must be an array of strings, found a string")]
    [InlineData("""{"prediction": "a", "references": ["a", null]}""", "line 2: \"references\" must be an array of strings, found null in it")]
    [InlineData("""["a", ["a"]]""", "line 2: expected a JSON object, found an array")]
    [InlineData("not json", "line 2: malformed JSON at character 2: 'not json' is an invalid JSON literal")]
    [InlineData("""{"prediction": "é😀", "references": ["a" 3]}""", "line 2: malformed JSON at character 42")]
    public void Bad_cases_are_named_by_line(string badLine, string message)
    {
        using var temp = new TempFolder();
        RunOn(temp, Good, badLine, Good).AssertUserError(message);
    }

    [Fact]
    public void Invalid_utf8_is_reported_at_its_line()
    {
        using var temp = new TempFolder();
        var bytes = new List<byte>([0xEF, 0xBB, 0xBF]); // a byte-order mark is fine, and so are CRLF line ends
        bytes.AddRange(System.Text.Encoding.UTF8.GetBytes(Good + "\r\n\n" + Good + "\n"));
        bytes.AddRange(System.Text.Encoding.UTF8.GetBytes("{\"prediction\": \"a"));
        bytes.Add(0xFF); // line 4: a byte UTF-8 never uses (a lenient reader would score U+FFFD instead)
        bytes.AddRange(System.Text.Encoding.UTF8.GetBytes(" b\", \"references\": [\"a b\"]}\n" + Good + "\n"));
        string path = System.IO.Path.Combine(temp.Path, "cases.jsonl");
        File.WriteAllBytes(path, [.. bytes]);

        var r = CliResult.Run("eval", "--input", path);
        r.AssertUserError($"{path} line 4: not valid UTF-8");
        Assert.Single(r.Error.TrimEnd().Split('\n'));
    }

    [Fact]
    public void Input_without_cases_is_an_error()
    {
        using var temp = new TempFolder();
        RunOn(temp, "", "   ").AssertUserError("no cases");
    }

    [Fact]
    public void Reference_files_of_different_lengths_are_an_error()
    {
        using var temp = new TempFolder();
        string hyp = temp.Write("hyp.txt", "a\nb\nc\n");
        string ref1 = temp.Write("ref1.txt", "a\nb\nc\n");
        string ref2 = temp.Write("ref2.txt", "a\nb\n");
        var r = CliResult.Run("eval", "--predictions", hyp, "--references", ref1, "--references", ref2);
        r.AssertUserError($"references file '{ref2}' has 2 lines but predictions file '{hyp}' has 3");
    }

    [Fact]
    public void Bytes_that_are_not_utf8_are_named_by_line_not_scored()
    {
        using var temp = new TempFolder();
        // "caf\xE9": Latin-1, not UTF-8; a decoder that replaced it would score "caf\uFFFD".
        byte[] bad = [.. "{\"prediction\": \"caf"u8, 0xE9, .. "\", \"references\": [\"cafe\"]}"u8];
        string cases = Path.Combine(temp.Path, "cases.jsonl");
        File.WriteAllBytes(cases, [.. System.Text.Encoding.UTF8.GetBytes(Good + "\r\n" + Good + "\n"), .. bad, (byte)'\n']);
        var r = CliResult.Run("eval", "--input", cases);
        r.AssertUserError($"{cases} line 3: not valid UTF-8");
        Assert.Single(r.Error.TrimEnd().Split('\n'));

        string predictions = Path.Combine(temp.Path, "hyp.txt"), references = temp.Write("ref.txt", "a\ncafe\n");
        File.WriteAllBytes(predictions, [.. "a\ncaf"u8, 0xE9, (byte)'\n']);
        CliResult.Run("eval", "--predictions", predictions, "--references", references).AssertUserError($"{predictions} line 2: not valid UTF-8");
    }

    [Fact]
    public void Utf8_with_a_byte_order_mark_and_crlf_lines_reads_as_before()
    {
        using var temp = new TempFolder();
        string cases = Path.Combine(temp.Path, "cases.jsonl");
        File.WriteAllBytes(cases, [0xEF, 0xBB, 0xBF, .. System.Text.Encoding.UTF8.GetBytes(Good + "\r\n" + Good.Replace("a b", "é b") + "\r\n\r\n")]);
        var r = CliResult.Run("eval", "--input", cases, "--format", "json");
        Assert.True(r.ExitCode == 0, r.Error);
        var scored = System.Text.Json.JsonDocument.Parse(r.Out).RootElement.GetProperty("cases");
        Assert.Equal(2, scored.GetArrayLength());
        Assert.Equal(1.0, scored[0].GetProperty("rouge1").GetProperty("f1").GetDouble());
    }
}
