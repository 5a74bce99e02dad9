using LlmLab.Data;
using static LlmLab.Tests.Data.InstructionGeneratorTests;

namespace LlmLab.Tests.Data;

public class InstructionFilesTests
{
    private static readonly string[] AllTasks = ["summarize", "sentiment", "topic", "slot-question", "arithmetic", "write-review"];

    [Fact]
    public void Saved_items_load_back_field_for_field()
    {
        using var files = new TempFiles();
        string path = Path.Combine(files.Directory, "mixture.jsonl");
        var items = InstructionGenerator.Mixture(1, AllTasks, 300, templates: TemplateSet.All).ToList();
        items.Add(new InstructionExample("odd \"one\"", "caf\u00e9", "t/\u2603", "Line 1\nLine 2\t\\ \u00e9 </script> Answer:", "\u00fcber",
            ["\u00fcber", "unter", ""], InstructionMetric.Accuracy));
        items.Add(new InstructionExample("empty", "default", "default", "", "x", [], InstructionMetric.RougeL));
        InstructionFiles.Save(path, items);
        AssertSameItems(items, JsonlLoader.LoadInstructions(path).ToList());
        string[] lines = File.ReadAllLines(path);
        Assert.Equal(items.Count, lines.Length);
        Assert.StartsWith("{\"id\":\"summarize-1-", Array.Find(lines, l => l.Contains("\"task\":\"summarize\"")));
        Assert.Contains("caf\u00e9", lines[^2]); // UTF-8 as it is, not \u escapes
        Assert.Empty(Directory.GetFiles(files.Directory, "*.tmp"));
    }

    [Fact]
    public void Optional_fields_take_their_defaults()
    {
        using var files = new TempFiles();
        string path = files.Write("mine.jsonl",
            "{\"input\": \"2 + 2 =\", \"target\": \"4\"}\n\n" +
            "{\"input\": \"Good?\", \"target\": \"yes\", \"options\": [\"yes\", \"no\"], \"id\": 7, \"task\": \"qa\", \"extra\": 1}\n" +
            "{\"input\": \"Say hi:\", \"target\": \"hi\", \"options\": [], \"metric\": \"rouge_l\", \"template\": \"t1\", \"id\": null}\n" +
            "{\"input\": \"A?\", \"target\": \"a\", \"options\": null, \"metric\": null}\n");
        var items = JsonlLoader.LoadInstructions(path).ToList();
        AssertSameItem(new InstructionExample("mine.jsonl-1", "default", "default", "2 + 2 =", "4", [], InstructionMetric.ExactMatch), items[0]);
        AssertSameItem(new InstructionExample("7", "qa", "default", "Good?", "yes", ["yes", "no"], InstructionMetric.Accuracy), items[1]);
        Assert.Equal(0, items[1].Gold);
        AssertSameItem(new InstructionExample("mine.jsonl-4", "default", "t1", "Say hi:", "hi", [], InstructionMetric.RougeL), items[2]);
        AssertSameItem(new InstructionExample("mine.jsonl-5", "default", "default", "A?", "a", [], InstructionMetric.ExactMatch), items[3]);
    }

    [Theory]
    [InlineData("{\"input\": \"i\", \"target\": \"t\", \"metric\": \"bleu\"}", "\"metric\" must be \"acc\", \"exact_match\" or \"rouge_l\", found \"bleu\"")]
    [InlineData("{\"input\": \"i\", \"target\": \"maybe\", \"options\": [\"yes\", \"no\"]}", "the target \"maybe\" is not one of the options (\"yes\", \"no\")")]
    [InlineData("{\"target\": \"t\", \"id\": \"x\"}", "missing \"input\" (the object has \"target\", \"id\")")]
    [InlineData("{\"input\": \"i\"}", "missing \"target\" (the object has \"input\")")]
    [InlineData("{\"input\": \"i\", \"target\": ", "malformed JSON at character 26: ")]
    [InlineData("[\"i\", \"t\"]", "expected a JSON object, found an array")]
    [InlineData("{\"input\": 3, \"target\": \"3\"}", "\"input\" must be a string, found a number")]
    [InlineData("{\"input\": \"i\", \"target\": null}", "\"target\" must be a string, found null")]
    [InlineData("{\"input\": \"i\", \"target\": \"t\", \"task\": [\"a\"]}", "\"task\" must be a string, found an array")]
    [InlineData("{\"input\": \"i\", \"target\": \"t\", \"id\": true}", "\"id\" must be a string, found a boolean")]
    [InlineData("{\"input\": \"i\", \"target\": \"t\", \"options\": \"t\"}", "\"options\" must be an array of strings, found a string")]
    [InlineData("{\"input\": \"i\", \"target\": \"t\", \"options\": [\"t\", 1]}", "\"options\" must be an array of strings, found a number in it")]
    [InlineData("{\"input\": \"i\", \"target\": \"t\", \"options\": [\"t\", \"t\"]}", "the option \"t\" appears twice")]
    [InlineData("{\"input\": \"i\", \"target\": \"t\", \"metric\": \"acc\"}", "metric \"acc\" needs options to choose from")]
    [InlineData("{\"input\": \"i\", \"target\": \"t\", \"options\": [\"t\"], \"metric\": \"rouge_l\"}", "an item with options is scored by \"acc\", not \"rouge_l\"")]
    public void A_bad_line_is_reported_with_file_and_line(string line, string expected)
    {
        using var files = new TempFiles();
        string path = files.Write("bad.jsonl", "{\"input\": \"ok\", \"target\": \"ok\"}\n" + line + "\n{\"input\": \"x\", \"target\": \"y\"}\n");
        var e = Assert.Throws<DataFormatException>(() => JsonlLoader.LoadInstructions(path).ToList());
        Assert.StartsWith($"{path}:2: {expected}", e.Message);
        Assert.Equal(2L, e.Line);
        Assert.Equal(path, e.FilePath);
    }

    [Fact]
    public void A_file_without_items_is_an_error_of_the_file()
    {
        using var files = new TempFiles();
        string path = files.Write("empty.jsonl", "\n  \n");
        var e = Assert.Throws<DataFormatException>(() => JsonlLoader.LoadInstructions(path).ToList());
        Assert.Equal($"{path}: no items", e.Message);
        Assert.Null(e.Line);
    }

    [Fact]
    public void Save_refuses_what_the_loader_would_and_keeps_the_old_file()
    {
        using var files = new TempFiles();
        string path = files.Write("keep.jsonl", "old\n");
        var good = InstructionGenerator.Example(1, "sentiment", 0, TemplateSet.All);
        var bad = good with { Target = "mixed" };
        var e = Assert.Throws<ArgumentException>(() => InstructionFiles.Save(path, [good, bad]));
        Assert.StartsWith($"instruction item 2 ('{bad.Id}'): the target \"mixed\" is not one of the options", e.Message);
        Assert.Throws<ArgumentException>(() => InstructionFiles.Save(path, []));
        Assert.Equal("old\n", File.ReadAllText(path));
        Assert.Single(Directory.GetFiles(files.Directory));
    }

    [Fact]
    public void Metric_names_are_lm_evaluation_harness_names()
    {
        Assert.Equal(["acc", "exact_match", "rouge_l"], Enum.GetValues<InstructionMetric>().Select(InstructionFiles.MetricName));
    }
}
