using System.Text;
using LlmLab.Data;

namespace LlmLab.Tests.Data;

public class JsonlLoaderTests
{
    [Fact]
    public void Pairs_load_with_default_and_configured_field_names()
    {
        using var files = new TempFiles();
        string path = files.Write("train.jsonl",
            "{\"input\": \"Hi\\nthere\", \"output\": \"caf\\u00e9 \\\"quoted\\\"\", \"extra\": [1, 2]}\n\n" +
            "{\"output\": \"b\", \"input\": \"a\"}\r\n");
        Assert.Equal([new TextPair("Hi\nthere", "café \"quoted\""), new TextPair("a", "b")], JsonlLoader.LoadPairs(path).ToList());
        string custom = files.Write("custom.jsonl", "{\"dialogue\": \"d\", \"summary\": \"s\"}");
        Assert.Equal([new TextPair("d", "s")], JsonlLoader.LoadPairs(custom, "dialogue", "summary").ToList());
    }

    [Fact]
    public void Numbers_and_booleans_read_as_their_json_text_and_records_know_their_line()
    {
        using var files = new TempFiles();
        string path = files.Write("labels.jsonl", "\n{\"text\": \"good\", \"label\": 1, \"ok\": true}\n{\"text\": \"bad\", \"label\": 0.5, \"ok\": false}\n");
        var records = JsonlLoader.Load(path, "text", "label", "ok").ToList();
        Assert.Equal(["1", "0.5"], records.Select(r => r["label"]));
        Assert.Equal(["true", "false"], records.Select(r => r["ok"]));
        Assert.Equal([2L, 3L], records.Select(r => r.Line));
        Assert.Equal(["good", "bad"], JsonlLoader.LoadTexts(path).ToList());
    }

    [Fact]
    public void Evaluation_cases_take_an_array_of_references()
    {
        using var files = new TempFiles();
        string path = files.Write("eval.jsonl",
            "{\"prediction\": \"p1\", \"references\": [\"r1\"], \"id\": 7}\n\n{\"prediction\": \" p2 \", \"references\": [\"r2a\", \"r2b\"]}\n");
        var cases = JsonlLoader.LoadEvaluationCases(path).ToList();
        Assert.Equal("p1", cases[0].Prediction);
        Assert.Equal(["r1"], cases[0].References);
        Assert.Equal(" p2 ", cases[1].Prediction);
        Assert.Equal(["r2a", "r2b"], cases[1].References);
        string renamed = files.Write("renamed.jsonl", "{\"hyp\": \"h\", \"refs\": [\"x\"]}");
        Assert.Equal(["x"], JsonlLoader.LoadEvaluationCases(renamed, "hyp", "refs").Single().References);
    }

    [Theory]
    [InlineData("{\"input\": \"a\", \"output\": ", ":2: malformed JSON at character 26: ")]
    [InlineData("[\"input\", \"output\"]", ":2: expected a JSON object, found an array")]
    [InlineData("\"just a string\"", ":2: expected a JSON object, found a string")]
    [InlineData("{\"input\": \"a\"}", ":2: field 'output' is missing (the object has 'input')")]
    [InlineData("{}", ":2: field 'input' is missing (the object has no fields)")]
    [InlineData("{\"input\": \"a\", \"output\": null}", ":2: field 'output' is null, expected a string")]
    [InlineData("{\"input\": {\"x\": 1}, \"output\": \"b\"}", ":2: field 'input' is an object, expected a string")]
    [InlineData("{\"input\": \"a\", \"output\": [\"b\"]}", ":2: field 'output' is an array, expected a string")]
    public void A_bad_line_throws_one_error_naming_file_and_line(string badLine, string expected)
    {
        using var files = new TempFiles();
        string path = files.Write("bad.jsonl", "{\"input\": \"ok\", \"output\": \"ok\"}\n" + badLine + "\n{\"input\": \"x\", \"output\": \"y\"}\n");
        var e = Assert.Throws<DataFormatException>(() => JsonlLoader.LoadPairs(path).ToList());
        Assert.StartsWith(path + expected, e.Message);
        Assert.Equal(2L, e.Line);
        Assert.Equal(path, e.FilePath);
    }

    [Theory]
    [InlineData("{\"prediction\": \"p\", \"references\": []}", "the case has no references")]
    [InlineData("{\"prediction\": \"p\", \"references\": [\"a\", 3, null]}", "\"references\" must be an array of strings, found a number in it")]
    [InlineData("{\"prediction\": \"p\", \"references\": \"r\"}", "\"references\" must be an array of strings, found a string")]
    [InlineData("{\"prediction\": 1, \"references\": [\"1\"]}", "\"prediction\" must be a string, found a number")]
    [InlineData("{\"references\": [\"r\"], \"id\": 1}", "missing \"prediction\" (the object has \"references\", \"id\")")]
    [InlineData("{}", "missing \"prediction\" (the object has no fields)")]
    [InlineData("[\"p\", [\"r\"]]", "expected a JSON object, found an array")]
    public void Bad_evaluation_lines_are_reported(string line, string expected)
    {
        using var files = new TempFiles();
        string path = files.Write("eval.jsonl", line);
        var e = Assert.Throws<DataFormatException>(() => JsonlLoader.LoadEvaluationCases(path).ToList());
        Assert.StartsWith($"{path}:1: {expected}", e.Message);
        Assert.Equal(expected, e.Problem[..expected.Length]);
    }

    [Fact]
    public void A_file_without_evaluation_cases_is_an_error_of_the_file()
    {
        using var files = new TempFiles();
        string path = files.Write("empty.jsonl", "\n   \n");
        var e = Assert.Throws<DataFormatException>(() => JsonlLoader.LoadEvaluationCases(path).ToList());
        Assert.Equal($"{path}: no cases", e.Message);
        Assert.Null(e.Line);
    }

    [Fact]
    public void Invalid_utf8_is_reported_at_its_line_after_a_byte_order_mark_and_crlf_lines()
    {
        using var files = new TempFiles();
        byte[] good = Encoding.UTF8.GetBytes("{\"text\": \"caf\u00e9\"}\r\n");
        string path = files.WriteBytes("bad.jsonl", [0xEF, 0xBB, 0xBF, .. good, (byte)'\n', .. good, (byte)'{', 0xC3, 0x28, (byte)'}', (byte)'\n']);
        var read = new List<string>();
        var e = Assert.Throws<DataFormatException>(() => { foreach (string text in JsonlLoader.LoadTexts(path)) read.Add(text); });
        Assert.Equal(["café", "café"], read); // the lines before the bad one are read as they are
        Assert.Equal(4L, e.Line);
        Assert.Equal($"{path}:4: not valid UTF-8", e.Message);
    }

    [Fact]
    public void Missing_file_invalid_utf8_and_no_fields_are_reported()
    {
        using var files = new TempFiles();
        Assert.Throws<FileNotFoundException>(() => JsonlLoader.LoadPairs(Path.Combine(files.Directory, "none.jsonl")).ToList());
        string bad = files.WriteBytes("bad.jsonl", [(byte)'{', (byte)'"', 0xFF, (byte)'"', (byte)'}']);
        Assert.Equal($"{bad}:1: not valid UTF-8", Assert.Throws<DataFormatException>(() => JsonlLoader.LoadTexts(bad).ToList()).Message);
        Assert.Throws<ArgumentException>(() => JsonlLoader.Load(bad).ToList());
    }
}
