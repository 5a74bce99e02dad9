namespace LlmLab.Data;

/// <summary>One dialogue ("#Person1#: ..." lines joined by "\n") with its one-sentence reference summary, in the
/// style of DialogSum.</summary>
public sealed record DialogueExample(string Id, string Dialogue, string Summary, string Topic)
{
    /// <summary>The facts the reference summary states (names, places, days, times, amounts), all taken from the
    /// dialogue: what a good summary copies (<see cref="DialogueSlots"/>).</summary>
    public IReadOnlyList<SlotValue> SummarySlots => DialogueSlots.Find(Summary);

    /// <summary>Every fact the dialogue states: a summary that states any other value invents it.</summary>
    public IReadOnlyList<SlotValue> DialogueSlotValues => DialogueSlots.Find(Dialogue);
}
