using LlmLab.Data;

namespace LlmLab.Tests.Data;

/// <summary>
/// The slot values a text states: each kind read from the generator's vocabularies, whole words and case-sensitive;
/// and the property the faithfulness measure rests on, that every value a reference summary states comes from its
/// dialogue.
/// </summary>
public class DialogueSlotsTests
{
    [Fact]
    public void Each_kind_is_read_whole_and_case_sensitively()
    {
        var found = DialogueSlots.Find("Hannah and Doctor Brown meet at the Golden Dragon in Rome on Friday at 7:30 pm; "
            + "three brown jackets cost $45,000 and bus 42 takes 15 minutes.");
        Assert.Equal(
        [
            new SlotValue(SlotKind.Name, "Hannah"), new SlotValue(SlotKind.Name, "Brown"), new SlotValue(SlotKind.Place, "Golden Dragon"),
            new SlotValue(SlotKind.Place, "Rome"), new SlotValue(SlotKind.Day, "Friday"), new SlotValue(SlotKind.Time, "7:30 pm"),
            new SlotValue(SlotKind.Amount, "three"), new SlotValue(SlotKind.Amount, "$45,000"), new SlotValue(SlotKind.Amount, "42"),
            new SlotValue(SlotKind.Amount, "15"),
        ], found);
        // Not "Anna" inside "Hannah" (above), not "Sam" in "Sample" or "Samantha", not "six" in "sixty", not the colour "brown"; a value counts once.
        Assert.Empty(DialogueSlots.Find("Sample sixty brown Samantha"));
        Assert.Equal([new SlotValue(SlotKind.Day, "Monday")], DialogueSlots.Find("Monday, Monday."));
        Assert.Equal([new SlotValue(SlotKind.Time, "12 pm"), new SlotValue(SlotKind.Amount, "$8")], DialogueSlots.Find("at 12 pm for $8."));
    }

    [Fact]
    public void Every_value_a_reference_summary_states_is_in_its_dialogue()
    {
        int values = 0;
        foreach (var example in DialogueSummaryGenerator.Generate(3, 3000))
        {
            var inDialogue = example.DialogueSlotValues.ToHashSet();
            foreach (var value in example.SummarySlots)
            {
                Assert.True(inDialogue.Contains(value), $"{example.Id} ({example.Topic}): the summary states {value}, the dialogue does not:\n{example.Dialogue}\n{example.Summary}");
                values++;
            }
        }
        // About four facts a summary: the measure has something to count.
        Assert.InRange(values, 3 * 3000, 6 * 3000);
    }
}
