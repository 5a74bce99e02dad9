using LlmLab.Data;

namespace LlmLab.Tests.Data;

public class PretrainingCorpusTests
{
    [Fact]
    public void Same_seed_gives_identical_text_and_different_seeds_differ()
    {
        Assert.Equal(PretrainingCorpus.Text(5, 20_000), PretrainingCorpus.Text(5, 20_000));
        Assert.NotEqual(PretrainingCorpus.Text(5, 2_000), PretrainingCorpus.Text(6, 2_000));
    }

    [Fact]
    public void Text_has_exactly_the_requested_length_and_grows_by_extension()
    {
        string shortText = PretrainingCorpus.Text(9, 1_000), longText = PretrainingCorpus.Text(9, 30_000);
        Assert.Equal(1_000, shortText.Length);
        Assert.Equal(30_000, longText.Length);
        Assert.StartsWith(shortText, longText);
        Assert.Equal(string.Join("\n\n", PretrainingCorpus.Generate(9, 3)), longText[..(string.Join("\n\n", PretrainingCorpus.Generate(9, 3)).Length)]);
    }

    [Fact]
    public void Document_i_does_not_depend_on_how_many_are_generated()
    {
        var many = PretrainingCorpus.Generate(2, 50).ToList();
        Assert.Equal(many[31], PretrainingCorpus.Generate(2, 3, start: 30).ElementAt(1));
        Assert.Equal(many[31], PretrainingCorpus.Document(2, 31));
    }

    [Fact]
    public void Corpus_mixes_dialogues_reviews_facts_stories_and_instructions()
    {
        var documents = PretrainingCorpus.Generate(4, 500).ToList();
        Assert.Contains(documents, d => d.Contains("#Person1#: ") && d.Contains("Summary: "));
        Assert.Contains(documents, d => d.Contains("recommend") || d.Contains("worth"));
        Assert.Contains(documents, d => d.Contains(" is the capital of ") || d.Contains(" plus ") || d.Contains(" minus "));
        Assert.Contains(documents, d => d.Contains("In the end") || d.Contains("By evening") || d.Contains("friendship"));
        Assert.Contains(documents, d => d.StartsWith("How to ") || d.Contains("Finally, "));
        Assert.True(documents.Distinct().Count() >= 480, "documents repeat too often");
    }

    [Fact]
    public void Corpus_dialogues_are_not_the_fine_tuning_dialogues()
    {
        var fineTuning = DialogueSummaryGenerator.Generate(4, 500).Select(e => e.Summary).ToHashSet();
        int leaked = PretrainingCorpus.Generate(4, 500).Count(d => fineTuning.Any(s => d.Contains(s)));
        Assert.True(leaked <= 2, $"{leaked} corpus documents repeat a fine-tuning summary");
    }
}
