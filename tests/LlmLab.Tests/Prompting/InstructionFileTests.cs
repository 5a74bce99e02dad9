using LlmLab.Data;

namespace LlmLab.Tests.Prompting;

/// <summary><see cref="JsonlLoader.LoadInstructions"/>: the fields, their defaults, and the errors with file and line.</summary>
public sealed class InstructionFileTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("llmlab-instructions-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string Write(params string[] lines)
    {
        string path = Path.Combine(_folder, "items.jsonl");
        File.WriteAllText(path, string.Join("\n", lines) + "\n");
        return path;
    }

    [Fact]
    public void Fields_are_read_and_missing_ones_take_their_defaults()
    {
        string path = Write(
            """{"id": "q1", "task": "colours", "template": "t2", "input": "Sky?", "target": "blue", "options": ["red", "blue"], "extra": 1}""",
            "",
            """{"input": "2+2=", "target": "4"}""",
            """{"input": "Say hi", "target": "hello there", "metric": "rouge_l", "options": null}""");
        var items = JsonlLoader.LoadInstructions(path).ToArray();
        Assert.Equal(new InstructionExample("q1", "colours", "t2", "Sky?", "blue", items[0].Options, InstructionMetric.Accuracy), items[0]);
        Assert.Equal(["red", "blue"], items[0].Options);
        Assert.Equal(1, items[0].Gold);
        Assert.Equal(("items.jsonl-3", "default", "default", InstructionMetric.ExactMatch), (items[1].Id, items[1].Task, items[1].Template, items[1].Metric));
        Assert.False(items[1].IsMultipleChoice);
        Assert.Equal(InstructionMetric.RougeL, items[2].Metric);
    }

    [Theory]
    [InlineData("""{"input": "x"}""", "line 1: missing \"target\"")]
    [InlineData("""{"input": 3, "target": "x"}""", "\"input\" must be a string, found a number")]
    [InlineData("""{"input": "x", "target": "a", "options": ["b", "c"]}""", "the target \"a\" is not one of the options")]
    [InlineData("""{"input": "x", "target": "a", "options": []}""", "\"options\" is empty")]
    [InlineData("""{"input": "x", "target": "a", "options": ["a", 1]}""", "array of strings, found a number in it")]
    [InlineData("""{"input": "x", "target": "a", "metric": "acc"}""", "metric \"acc\" scores options")]
    [InlineData("""{"input": "x", "target": "a", "options": ["a"], "metric": "exact_match"}""", "drop \"options\" or use \"acc\"")]
    [InlineData("""{"input": "x", "target": "a", "metric": "bleu"}""", "unknown metric \"bleu\"")]
    [InlineData("""{"input": "x", "target": "a", "id": 7}""", "\"id\" must be a string")]
    [InlineData("""{"input": "x", "target": """, "line 1: malformed JSON")]
    public void A_bad_line_is_an_error_naming_the_file_and_line(string line, string message)
    {
        string path = Write(line);
        var e = Assert.Throws<DataFormatException>(() => JsonlLoader.LoadInstructions(path).ToArray());
        Assert.Equal(path, e.FilePath);
        Assert.Equal(1, e.Line);
        Assert.Contains(message, e.Message.Replace(":1:", " line 1:"));
    }

    [Fact]
    public void A_file_without_items_is_an_error()
    {
        string path = Write("", "  ");
        var e = Assert.Throws<DataFormatException>(() => JsonlLoader.LoadInstructions(path).ToArray());
        Assert.Equal("no items", e.Problem);
        Assert.Null(e.Line);
    }
}
