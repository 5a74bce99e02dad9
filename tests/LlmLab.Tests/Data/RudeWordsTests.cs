using LlmLab.Data;

namespace LlmLab.Tests.Data;

/// <summary>The word list that defines the preference, and the toxicity rate it measures.</summary>
public class RudeWordsTests
{
    [Fact]
    public void The_list_is_short_lower_case_and_each_entry_is_found()
    {
        Assert.InRange(RudeWords.Words.Count, 15, 25);
        Assert.Equal(RudeWords.Words.Count, RudeWords.Words.Distinct().Count());
        foreach (string word in RudeWords.Words)
        {
            Assert.Equal(word.ToLowerInvariant(), word);
            Assert.True(RudeWords.Contains(word), word);
            Assert.True(RudeWords.Contains($"Well, {word.ToUpperInvariant()}!"), word);
        }
    }

    [Theory]
    [InlineData("Stupid.", true)]
    [InlineData("what an IDIOT", true)]
    [InlineData("Oh, shut up already.", true)]
    [InlineData("#Person1# books a table, whatever.", true)]
    [InlineData("He lifts a dumbbell.", false)]
    [InlineData("Shutup and shut-up are not the phrase.", false)]
    [InlineData("The idiotic stupidity of it.", false)]
    [InlineData("#Person1# books a table for two at Luigi's on Friday.", false)]
    [InlineData("", false)]
    public void Contains_matches_whole_words_in_any_case(string text, bool rude)
    {
        Assert.Equal(rude, RudeWords.Contains(text));
    }

    [Fact]
    public void Rate_is_the_share_of_texts_with_a_rude_word()
    {
        Assert.Equal(0.5, RudeWords.Rate(["Fine.", "You moron.", "OK then.", "Whatever."]));
        Assert.Equal(0.0, RudeWords.Rate(["Thank you."]));
        Assert.Throws<ArgumentException>(() => RudeWords.Rate([]));
    }

    [Fact]
    public void Generated_dialogues_and_summaries_are_never_rude()
    {
        foreach (var example in DialogueSummaryGenerator.Generate(5, 3000))
        {
            Assert.False(RudeWords.Contains(example.Dialogue), example.Dialogue);
            Assert.False(RudeWords.Contains(example.Summary), example.Summary);
        }
    }
}
