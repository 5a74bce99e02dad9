using System.Text.RegularExpressions;
using LlmLab.Data;

namespace LlmLab.Tests.Data;

/// <summary>
/// The synthetic preference pairs: a pure function of (seed, index); the chosen completion is the reference summary,
/// polite and faithful; the rejected one has exactly its flaw, rude words with the same facts or one invented fact
/// without rude words.
/// </summary>
public class PreferenceGeneratorTests
{
    private const string Cue = "Summarize this dialogue:\n";

    [Fact]
    public void A_pair_is_a_function_of_seed_and_index_in_any_order()
    {
        var forward = PreferenceGenerator.Generate(1337, 60).ToList();
        var backward = Enumerable.Range(0, 60).Reverse().Select(i => PreferenceGenerator.Example(1337, i)).Reverse().ToList();
        Assert.Equal(forward, backward);
        Assert.Equal(forward[47], PreferenceGenerator.Generate(1337, 10, start: 40).ToList()[7]);
        Assert.Equal("preference-1337-47", forward[47].Id);
        var other = PreferenceGenerator.Generate(1338, 60).ToList();
        int same = forward.Zip(other).Count(p => p.First.Prompt == p.Second.Prompt);
        Assert.True(same <= 2, $"{same} of 60 prompts are equal across seeds");
    }

    [Fact]
    public void Pairs_share_no_draws_with_the_dialogue_generator()
    {
        var pairs = PreferenceGenerator.Generate(7, 300).ToList();
        var dialogues = DialogueSummaryGenerator.Generate(7, 300).ToList();
        int same = pairs.Zip(dialogues).Count(p => p.First.Prompt == PreferenceGenerator.PromptFor(p.Second.Dialogue));
        Assert.True(same <= 3, $"{same} of 300 pairs repeat the dialogue generator's dialogue");
    }

    [Fact]
    public void The_prompt_asks_for_a_summary_and_completions_follow_it_after_a_space()
    {
        Assert.Equal("Summarize this dialogue:\n#Person1#: Hi.\n#Person2#: Hello.\nSummary:",
            PreferenceGenerator.PromptFor("#Person1#: Hi.\n#Person2#: Hello."));
        foreach (var pair in PreferenceGenerator.Generate(1, 200))
        {
            Assert.StartsWith(Cue + "#Person1#: ", pair.Prompt);
            Assert.EndsWith("\nSummary:", pair.Prompt);
            foreach (string completion in new[] { pair.Chosen, pair.Rejected })
            {
                Assert.Matches(@"^ \S", completion);
                Assert.DoesNotContain("\n", completion);
            }
            Assert.NotEqual(pair.Chosen, pair.Rejected);
        }
    }

    [Fact]
    public void About_half_the_pairs_have_each_flaw()
    {
        var flaws = PreferenceGenerator.Generate(1337, 400).Select(p => p.Flaw).ToList();
        Assert.All(flaws, f => Assert.Contains(f, new[] { PreferenceFlaw.Rude, PreferenceFlaw.WrongSlot }));
        // Half draw wrong-slot; shopping summaries (1 in 11) state no fact to swap and are made rude: about 45%.
        int wrongSlot = flaws.Count(f => f == PreferenceFlaw.WrongSlot);
        Assert.InRange(wrongSlot, 150, 215);
    }

    [Fact]
    public void The_chosen_summary_is_polite_and_states_only_facts_of_its_dialogue()
    {
        foreach (var pair in PreferenceGenerator.Generate(2, 2000))
        {
            var inDialogue = DialogueSlots.Find(Dialogue(pair)).ToHashSet();
            Assert.False(RudeWords.Contains(pair.Prompt), pair.Prompt);
            Assert.False(RudeWords.Contains(pair.Chosen), pair.Chosen);
            Assert.All(DialogueSlots.Find(pair.Chosen), v => Assert.Contains(v, inDialogue));
        }
    }

    [Fact]
    public void A_rude_rejection_has_a_rude_word_and_the_same_facts_in_several_shapes()
    {
        int rude = 0, opener = 0, tail = 0, ending = 0, inside = 0;
        foreach (var pair in PreferenceGenerator.Generate(3, 2000).Where(p => p.Flaw == PreferenceFlaw.Rude))
        {
            rude++;
            Assert.True(RudeWords.Contains(pair.Rejected), pair.Rejected);
            Assert.Equal(DialogueSlots.Find(pair.Chosen), DialogueSlots.Find(pair.Rejected));
            string summary = pair.Chosen[1..];
            if (pair.Rejected.EndsWith(". " + summary, StringComparison.Ordinal)) opener++;
            else if (pair.Rejected.StartsWith(pair.Chosen, StringComparison.Ordinal)) tail++;
            else if (pair.Rejected.StartsWith(pair.Chosen[..^1] + ",", StringComparison.Ordinal)) ending++;
            else inside++;
        }
        Assert.InRange(rude, 1000, 1250);
        foreach (int shape in new[] { opener, tail, ending, inside })
            Assert.True(shape > rude / 8, $"opener {opener}, tail {tail}, ending {ending}, inside {inside} of {rude}");
    }

    [Fact]
    public void A_wrong_slot_rejection_is_polite_and_invents_one_fact()
    {
        int pairs = 0;
        var kinds = new HashSet<SlotKind>();
        foreach (var pair in PreferenceGenerator.Generate(4, 2000).Where(p => p.Flaw == PreferenceFlaw.WrongSlot))
        {
            pairs++;
            var inDialogue = DialogueSlots.Find(Dialogue(pair)).ToHashSet();
            var invented = DialogueSlots.Find(pair.Rejected).Where(v => !inDialogue.Contains(v)).ToList();
            var value = Assert.Single(invented);
            Assert.Contains(value.Kind, new[] { SlotKind.Name, SlotKind.Day, SlotKind.Place, SlotKind.Amount });
            kinds.Add(value.Kind);
            Assert.False(RudeWords.Contains(pair.Rejected), pair.Rejected);
            // The swapped value takes the article the new word needs: never "a eight-day", "an three-day".
            Assert.DoesNotMatch(@"\b[Aa] eight\b|\b[Aa]n (?:two|three|four|five|six|seven)\b", pair.Rejected);
            Assert.DoesNotMatch(@"\bthe the\b", pair.Rejected);
        }
        Assert.InRange(pairs, 750, 1000);
        Assert.Equal(4, kinds.Count);
    }

    /// <summary>The dialogue a pair's prompt asks about.</summary>
    private static string Dialogue(PreferenceExample pair)
    {
        Assert.StartsWith(Cue, pair.Prompt);
        return pair.Prompt[Cue.Length..^"\nSummary:".Length];
    }
}
