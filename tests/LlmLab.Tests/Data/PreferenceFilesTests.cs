using LlmLab.Data;

namespace LlmLab.Tests.Data;

public class PreferenceFilesTests
{
    [Fact]
    public void Saved_pairs_load_back_field_for_field()
    {
        using var files = new TempFiles();
        string path = Path.Combine(files.Directory, "pairs.jsonl");
        var pairs = PreferenceGenerator.Generate(1, 300).ToList();
        pairs.Add(new PreferenceExample("odd \"one\"", "Line 1\nLine 2\t\\ \u00e9 </script>", " caf\u00e9", " \u00fcber", PreferenceFlaw.Unknown));
        pairs.Add(new PreferenceExample("no prompt", "", "a", "b", "mine"));
        PreferenceFiles.Save(path, pairs);
        Assert.Equal(pairs, JsonlLoader.LoadPreferences(path).ToList());
        string[] lines = File.ReadAllLines(path);
        Assert.Equal(pairs.Count, lines.Length);
        Assert.StartsWith("{\"id\":\"preference-1-0\",\"prompt\":\"Summarize this dialogue:\\n#Person1#: ", lines[0]);
        Assert.Matches("\",\"chosen\":\" [^\"]+\",\"rejected\":\" .+\",\"flaw\":\"(rude|wrong-slot)\"}$", lines[0]);
        Assert.Contains("caf\u00e9", lines[^2]); // UTF-8 as it is, not \u escapes
        Assert.Empty(Directory.GetFiles(files.Directory, "*.tmp"));
    }

    [Fact]
    public void Optional_fields_take_their_defaults()
    {
        using var files = new TempFiles();
        string path = files.Write("mine.jsonl",
            "{\"prompt\": \"The sky is\", \"chosen\": \" blue.\", \"rejected\": \" green.\"}\n\n" +
            "{\"prompt\": \"Hi\", \"chosen\": \" Hello.\", \"rejected\": \" Go away.\", \"id\": 7, \"flaw\": \"rude\", \"extra\": 1}\n" +
            "{\"prompt\": \"Q\", \"chosen\": \"yes\", \"rejected\": \"no\", \"id\": null, \"flaw\": null}\n");
        Assert.Equal(
        [
            new PreferenceExample("mine.jsonl-1", "The sky is", " blue.", " green.", ""),
            new PreferenceExample("7", "Hi", " Hello.", " Go away.", "rude"),
            new PreferenceExample("mine.jsonl-4", "Q", "yes", "no", ""),
        ], JsonlLoader.LoadPreferences(path).ToList());
    }

    [Theory]
    [InlineData("{\"chosen\": \" a\", \"rejected\": \" b\"}", "missing \"prompt\" (the object has \"chosen\", \"rejected\")")]
    [InlineData("{\"prompt\": \"p\", \"rejected\": \" b\"}", "missing \"chosen\" (the object has \"prompt\", \"rejected\")")]
    [InlineData("{\"prompt\": \"p\", \"chosen\": \" a\"}", "missing \"rejected\" (the object has \"prompt\", \"chosen\")")]
    [InlineData("{\"prompt\": [\"p\"], \"chosen\": \" a\", \"rejected\": \" b\"}", "\"prompt\" must be a string, found an array")]
    [InlineData("{\"prompt\": \"p\", \"chosen\": 1, \"rejected\": \" b\"}", "\"chosen\" must be a string, found a number")]
    [InlineData("{\"prompt\": \"p\", \"chosen\": \" a\", \"rejected\": null}", "\"rejected\" must be a string, found null")]
    [InlineData("{\"prompt\": \"p\", \"chosen\": \" a\", \"rejected\": \" b\", \"id\": true}", "\"id\" must be a string, found a boolean")]
    [InlineData("{\"prompt\": \"p\", \"chosen\": \" a\", \"rejected\": \" b\", \"flaw\": 2}", "\"flaw\" must be a string, found a number")]
    [InlineData("{\"prompt\": \"p\", \"chosen\": \"\", \"rejected\": \" b\"}", "\"chosen\" is empty")]
    [InlineData("{\"prompt\": \"p\", \"chosen\": \" a\", \"rejected\": \"\"}", "\"rejected\" is empty")]
    [InlineData("{\"prompt\": \"p\", \"chosen\": \" a\", \"rejected\": \" a\"}", "\"chosen\" and \"rejected\" are the same text")]
    [InlineData("{\"prompt\": \"p\", \"chosen\": ", "malformed JSON at character 27: ")]
    [InlineData("[\"p\", \" a\", \" b\"]", "expected a JSON object, found an array")]
    public void A_bad_line_is_reported_with_file_and_line(string line, string expected)
    {
        using var files = new TempFiles();
        const string good = "{\"prompt\": \"p\", \"chosen\": \" a\", \"rejected\": \" b\"}\n";
        string path = files.Write("bad.jsonl", good + line + "\n" + good);
        var e = Assert.Throws<DataFormatException>(() => JsonlLoader.LoadPreferences(path).ToList());
        Assert.StartsWith($"{path}:2: {expected}", e.Message);
        Assert.Equal(2L, e.Line);
        Assert.Equal(path, e.FilePath);
    }

    [Fact]
    public void A_file_without_pairs_is_an_error_of_the_file()
    {
        using var files = new TempFiles();
        string path = files.Write("empty.jsonl", "\n  \n");
        var e = Assert.Throws<DataFormatException>(() => JsonlLoader.LoadPreferences(path).ToList());
        Assert.Equal($"{path}: no pairs", e.Message);
        Assert.Null(e.Line);
    }

    [Fact]
    public void Save_refuses_what_the_loader_would_and_keeps_the_old_file()
    {
        using var files = new TempFiles();
        string path = files.Write("keep.jsonl", "old\n");
        var good = PreferenceGenerator.Example(1, 0);
        var bad = good with { Rejected = good.Chosen };
        var e = Assert.Throws<ArgumentException>(() => PreferenceFiles.Save(path, [good, bad]));
        Assert.StartsWith($"preference pair 2 ('{bad.Id}'): \"chosen\" and \"rejected\" are the same text", e.Message);
        Assert.Throws<ArgumentException>(() => PreferenceFiles.Save(path, [good with { Chosen = "" }]));
        Assert.Throws<ArgumentException>(() => PreferenceFiles.Save(path, []));
        Assert.Equal("old\n", File.ReadAllText(path));
        Assert.Single(Directory.GetFiles(files.Directory));
    }
}
