using LlmLab.Data;

namespace LlmLab.Experiments;

/// <summary>
/// What ROUGE does not show: whether a summary gets the facts right. <see cref="Expected"/> counts the slot values
/// (names, places, days, times, amounts: <see cref="DialogueSlots"/>) the reference summary states, <see cref="Correct"/>
/// those the generated summary states too; <see cref="Stated"/> counts the values the generated summary states and
/// <see cref="Invented"/> those its dialogue never mentions. Sums over several summaries pool the counts.
/// </summary>
public sealed record SummaryFaithfulness(int Expected, int Correct, int Stated, int Invented)
{
    public static readonly SummaryFaithfulness None = new(0, 0, 0, 0);

    /// <summary>Share of the reference's values the summary states (1 when the reference states none).</summary>
    public double CorrectShare => Expected == 0 ? 1 : (double)Correct / Expected;

    /// <summary>Share of the summary's values that are not in the dialogue (0 when it states none).</summary>
    public double InventedShare => Stated == 0 ? 0 : (double)Invented / Stated;

    public static SummaryFaithfulness Of(string summary, DialogueExample example)
    {
        var expected = example.SummarySlots.ToHashSet();
        var inDialogue = example.DialogueSlotValues.ToHashSet();
        var stated = DialogueSlots.Find(summary);
        return new SummaryFaithfulness(expected.Count, stated.Count(expected.Contains), stated.Count, stated.Count(v => !inDialogue.Contains(v)));
    }

    public static SummaryFaithfulness operator +(SummaryFaithfulness a, SummaryFaithfulness b) =>
        new(a.Expected + b.Expected, a.Correct + b.Correct, a.Stated + b.Stated, a.Invented + b.Invented);
}
