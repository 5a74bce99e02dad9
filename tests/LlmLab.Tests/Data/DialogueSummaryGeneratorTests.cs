using System.Text.RegularExpressions;
using LlmLab.Data;

namespace LlmLab.Tests.Data;

public class DialogueSummaryGeneratorTests
{
    private static readonly Regex TimePattern = new(@"\b\d{1,2}(:\d{2})? (am|pm)\b");
    private static readonly Regex AmountPattern = new(@"\$\d+(,\d{3})*");
    private static readonly Regex NumberPattern = new(@"\d+");

    [Fact]
    public void Same_seed_gives_identical_data()
    {
        Assert.Equal(DialogueSummaryGenerator.Generate(7, 300).ToList(), DialogueSummaryGenerator.Generate(7, 300).ToList());
    }

    [Fact]
    public void Different_seeds_give_different_data()
    {
        var a = DialogueSummaryGenerator.Generate(1, 300).ToList();
        var b = DialogueSummaryGenerator.Generate(2, 300).ToList();
        int same = a.Zip(b).Count(p => p.First.Dialogue == p.Second.Dialogue);
        Assert.True(same <= 3, $"{same} of 300 dialogues are equal across seeds");
    }

    [Fact]
    public void Example_i_does_not_depend_on_how_many_are_generated()
    {
        var many = DialogueSummaryGenerator.Generate(5, 60).ToList();
        var window = DialogueSummaryGenerator.Generate(5, 10, start: 40).ToList();
        Assert.Equal(many[47], window[7]);
        Assert.Equal(many[47], DialogueSummaryGenerator.Example(5, 47));
        Assert.Equal("dialogue-5-47", many[47].Id);
    }

    [Fact]
    public void Dialogues_alternate_4_to_10_turns_and_summaries_are_one_sentence()
    {
        foreach (var e in DialogueSummaryGenerator.Generate(11, 2000))
        {
            var lines = e.Dialogue.Split('\n');
            Assert.InRange(lines.Length, 4, 10);
            for (int i = 0; i < lines.Length; i++)
                Assert.StartsWith(i % 2 == 0 ? "#Person1#: " : "#Person2#: ", lines[i]);
            Assert.EndsWith(".", e.Summary);
            Assert.DoesNotContain(". ", e.Summary);
            Assert.DoesNotContain("?", e.Summary);
            Assert.DoesNotContain("!", e.Summary);
            Assert.DoesNotContain("\n", e.Summary);
            Assert.Contains(e.Topic, DialogueSummaryGenerator.Topics);
        }
    }

    [Fact]
    public void Summaries_mention_only_slot_values_present_in_their_dialogue()
    {
        var lists = DialogueVocabulary.NamedSlotLists.ToList();
        int withTime = 0, withAmount = 0, withName = 0, withDay = 0, withPlace = 0;
        foreach (var e in DialogueSummaryGenerator.Generate(13, 2000))
        {
            int mentioned = 0;
            foreach (var list in lists)
                foreach (string value in list)
                    if (ContainsWord(e.Summary, value))
                    {
                        mentioned++;
                        Assert.True(ContainsWord(e.Dialogue, value, ignoreCase: true), $"summary names '{value}' absent from the dialogue:\n{e.Dialogue}\n{e.Summary}");
                    }
            // Other numbers (minutes, bus numbers) are checked once times, amounts and the speaker tags are removed.
            string rest = AmountPattern.Replace(TimePattern.Replace(e.Summary.Replace("#Person1#", "").Replace("#Person2#", ""), ""), "");
            var values = TimePattern.Matches(e.Summary).Concat(AmountPattern.Matches(e.Summary)).Concat(NumberPattern.Matches(rest));
            foreach (Match m in values)
                {
                    mentioned++;
                    Assert.True(ContainsWord(e.Dialogue, m.Value), $"summary's '{m.Value}' absent from the dialogue:\n{e.Dialogue}\n{e.Summary}");
                }
            Assert.True(mentioned >= 2, $"summary names fewer than two slot values: {e.Summary}");
            if (TimePattern.IsMatch(e.Summary)) withTime++;
            if (AmountPattern.IsMatch(e.Summary)) withAmount++;
            if (DialogueVocabulary.Names.Any(n => ContainsWord(e.Summary, n))) withName++;
            if (DialogueVocabulary.Days.Any(d => ContainsWord(e.Summary, d))) withDay++;
            if (DialogueVocabulary.Cities.Concat(DialogueVocabulary.Restaurants).Concat(DialogueVocabulary.Hotels)
                .Concat(DialogueVocabulary.Landmarks).Any(p => ContainsWord(e.Summary, p))) withPlace++;
        }
        // Every slot type is exercised (each appears in well over 10% of summaries).
        Assert.All(new[] { withTime, withAmount, withName, withDay, withPlace }, n => Assert.True(n > 200, $"only {n} summaries"));
    }

    [Fact]
    public void Times_in_a_booking_summary_are_the_ones_agreed_in_the_dialogue()
    {
        // The restaurant summary names the asked-for time and, if it was full, the offered one, both from the dialogue.
        var bookings = DialogueSummaryGenerator.Generate(17, 1000).Where(e => e.Topic == "booking a table").ToList();
        Assert.True(bookings.Count > 50);
        foreach (var e in bookings)
        {
            var summaryTimes = TimePattern.Matches(e.Summary).Select(m => m.Value).ToHashSet();
            var dialogueTimes = TimePattern.Matches(e.Dialogue).Select(m => m.Value).ToHashSet();
            Assert.NotEmpty(summaryTimes);
            Assert.Subset(dialogueTimes, summaryTimes);
        }
    }

    [Fact]
    public void Every_scenario_occurs_and_dialogues_are_distinct()
    {
        var examples = DialogueSummaryGenerator.Generate(19, 20_000).ToList();
        Assert.True(DialogueSummaryGenerator.Topics.Count >= 8);
        Assert.Equal(DialogueSummaryGenerator.Topics.ToHashSet(), examples.Select(e => e.Topic).ToHashSet());
        // With >= 10^5 possible dialogues per scenario, 20,000 draws should almost never repeat one.
        int distinct = examples.Select(e => e.Dialogue).Distinct().Count();
        Assert.True(distinct >= 19_900, $"only {distinct} distinct dialogues of 20,000");
    }

    /// <summary>The value as a whole word (a sentence-initial capital in the dialogue allowed where ignoreCase).</summary>
    private static bool ContainsWord(string text, string value, bool ignoreCase = false)
    {
        // Cheap ordinal pre-check: most values are absent from most texts.
        if (text.IndexOf(value, ignoreCase ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal) < 0) return false;
        return Regex.IsMatch(text, @"(?<![\w$])" + Regex.Escape(value) + @"(?![\w,]\w|\w)", ignoreCase ? RegexOptions.IgnoreCase : RegexOptions.None);
    }
}
