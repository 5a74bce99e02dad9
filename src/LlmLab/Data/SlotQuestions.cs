namespace LlmLab.Data;

/// <summary>
/// The questions the slot-question task can ask about a dialogue: for each kind of fact (day, time, name, place,
/// amount) that the dialogue's reference summary states exactly once, a question that fits the scenario ("On which
/// day does #Person1# travel?"), answered by that value as <see cref="DialogueSlots.Find"/> reports it ("Friday",
/// "7:30 pm", "Golden Dragon", "$45", "four"). A fact the summary states once is one the dialogue settles, so the
/// answer is exact; a kind the summary states twice (a table wanted at 7 pm, taken at 8 pm) is not asked.
/// </summary>
internal static class SlotQuestions
{
    /// <summary>(topic, kind, whether the amount is a dollar sum, phrasings). A kind a scenario never states once
    /// (a job interview's two amounts, a walk's street and destination) has no row.</summary>
    private static readonly (string Topic, SlotKind Kind, bool Dollars, string[] Questions)[] Table =
    [
        ("booking a table", SlotKind.Name, false, ["Under which name is the table booked?", "Whose name is the booking under?"]),
        ("booking a table", SlotKind.Place, false, ["At which restaurant does #Person1# want a table?", "Which restaurant does #Person1# want to book?"]),
        ("booking a table", SlotKind.Day, false, ["On which day does #Person1# want a table?", "For which day is the table?"]),
        ("booking a table", SlotKind.Time, false, ["At what time is the table booked?", "For what time is the table?"]),
        ("booking a table", SlotKind.Amount, false, ["For how many people is the table?", "How many people is the table for?"]),
        ("hotel reservation", SlotKind.Place, false, ["At which hotel does #Person1# want a room?", "Which hotel is it?"]),
        ("hotel reservation", SlotKind.Day, false, ["On which day does #Person1# arrive?", "From which day is the room wanted?"]),
        ("buying tickets", SlotKind.Place, false, ["To which city does #Person1# buy tickets?", "Where is #Person1# going?"]),
        ("buying tickets", SlotKind.Time, false, ["At what time does #Person1#'s train leave?", "When does the train #Person1# takes leave?"]),
        ("buying tickets", SlotKind.Day, false, ["On which day does #Person1# travel?", "For which day are the tickets?"]),
        ("shopping", SlotKind.Amount, true, ["How much does the item cost?", "What is the price?"]),
        ("returning an item", SlotKind.Day, false, ["On which day did #Person1# buy the item?", "When was the item bought?"]),
        ("returning an item", SlotKind.Amount, true, ["How much did #Person1# pay for the item?", "How much is the refund?"]),
        ("scheduling a meeting", SlotKind.Day, false, ["On which day do they meet?", "On which day is the meeting?"]),
        ("scheduling a meeting", SlotKind.Time, false, ["At what time is the meeting?", "At what time do they meet?"]),
        ("scheduling a meeting", SlotKind.Name, false, ["Who is invited to the meeting too?", "Whom do they invite to join them?"]),
        ("doctor's appointment", SlotKind.Day, false, ["On which day is the appointment?", "On which day will #Person1# see the doctor?"]),
        ("doctor's appointment", SlotKind.Time, false, ["At what time is the appointment?", "At what time will #Person1# see the doctor?"]),
        ("doctor's appointment", SlotKind.Amount, false, ["For how many days has #Person1# been ill?", "How many days has #Person1# had the symptoms?"]),
        ("asking directions", SlotKind.Amount, false, ["How many minutes does it take to walk there?", "How long is the walk, in minutes?"]),
        ("borrowing", SlotKind.Amount, true, ["How much money does #Person1# borrow?", "How much does #Person1# want to borrow?"]),
        ("borrowing", SlotKind.Name, false, ["Who is #Person1# asking to borrow from?", "From whom does #Person1# want to borrow?"]),
        ("borrowing", SlotKind.Day, false, ["Until which day does #Person1# want to borrow it?"]),
        ("travel plans", SlotKind.Name, false, ["Who is #Person2# travelling with?", "Who is going on the trip with #Person2#?"]),
        ("travel plans", SlotKind.Place, false, ["Which city is #Person2# going to?", "Where is #Person2# going?"]),
        ("travel plans", SlotKind.Amount, false, ["How many days is the trip?", "For how many days is #Person2# going away?"]),
        ("travel plans", SlotKind.Day, false, ["On which day does #Person2# leave?", "When does #Person2# set off?"]),
    ];

    /// <summary>The facts of <paramref name="example"/> that can be asked about, each with its phrasings, in the
    /// order the summary states them (empty when there is none: the task then draws another dialogue).</summary>
    public static IReadOnlyList<(SlotValue Answer, string[] Questions)> Askable(DialogueExample example)
    {
        var slots = example.SummarySlots;
        var askable = new List<(SlotValue, string[])>();
        foreach (var slot in slots)
        {
            if (slots.Count(s => s.Kind == slot.Kind) != 1) continue;
            bool dollars = slot.Kind == SlotKind.Amount && slot.Value.StartsWith('$');
            foreach (var row in Table)
                if (row.Topic == example.Topic && row.Kind == slot.Kind && row.Dollars == dollars)
                    askable.Add((slot, row.Questions));
        }
        return askable;
    }
}
