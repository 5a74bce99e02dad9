using System.Text.RegularExpressions;
using static LlmLab.Data.DialogueVocabulary;

namespace LlmLab.Data;

/// <summary>
/// The slot values a text states, read with the dialogue generator's own vocabularies: names (first names and the
/// doctors' surnames), places (restaurants, hotels, cities, landmarks, streets, companies, each without a leading
/// "the"), days, times ("7 pm", "10:30 am") and amounts (dollar sums, other numbers such as bus numbers and minutes,
/// and the counts written as words, "two" to "eight", read in any case and kept in lower case). Matching is otherwise
/// case-sensitive, and always whole-word, so the surname "Brown" is not the colour "brown" and "Sam" is not part of
/// "Sample". These are the facts a summary has to copy
/// from its dialogue: a value a summary states that its dialogue does not contain is invented.
/// </summary>
public static partial class DialogueSlots
{
    private static readonly (SlotKind Kind, Regex Pattern)[] Words =
    [
        (SlotKind.Name, Alternation([.. Names, .. Surnames])),
        (SlotKind.Place, Alternation([.. Restaurants, .. Hotels, .. Cities, .. Landmarks, .. Streets, .. Companies])),
        (SlotKind.Day, Alternation(Days)),
        // A count can open a sentence ("Four tickets ...").
        (SlotKind.Amount, Alternation(SmallNumbers, RegexOptions.IgnoreCase)),
    ];

    /// <summary>The distinct values <paramref name="text"/> states, in the order they first appear.</summary>
    public static IReadOnlyList<SlotValue> Find(string text)
    {
        var found = new List<(int At, SlotValue Value)>();
        foreach (var (kind, pattern) in Words)
            foreach (Match match in pattern.Matches(text))
                found.Add((match.Index, new SlotValue(kind, kind == SlotKind.Amount ? match.Value.ToLowerInvariant() : match.Value)));
        foreach (Match match in Numbers().Matches(text))
        {
            var kind = match.Groups["time"].Success ? SlotKind.Time : SlotKind.Amount;
            found.Add((match.Index, new SlotValue(kind, match.Value)));
        }
        return [.. found.OrderBy(f => f.At).Select(f => f.Value).Distinct()];
    }

    // Whole words, longest first, so "Hannah" is never read as "Anna" and "the Grand Hotel" is one place.
    private static Regex Alternation(IEnumerable<string> values, RegexOptions options = RegexOptions.None)
    {
        var words = values.Select(v => v.StartsWith("the ", StringComparison.Ordinal) ? v[4..] : v)
            .Distinct().OrderByDescending(v => v.Length).ThenBy(v => v, StringComparer.Ordinal).Select(Regex.Escape);
        return new Regex($@"\b(?:{string.Join("|", words)})\b", RegexOptions.CultureInvariant | options);
    }

    /// <summary>A time ("7 pm", "10:30 am"), a dollar sum ("$45", "$45,000") or another number ("42").</summary>
    [GeneratedRegex(@"(?<time>\b\d{1,2}(?::\d{2})? [ap]m\b)|\$\d+(?:,\d{3})*|\b\d+\b", RegexOptions.CultureInvariant)]
    private static partial Regex Numbers();
}
