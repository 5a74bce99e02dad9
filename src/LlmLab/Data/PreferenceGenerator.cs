using System.Text.RegularExpressions;
using static LlmLab.Data.DialogueVocabulary;

namespace LlmLab.Data;

/// <summary>
/// Synthetic preference pairs for a reward model, PPO and DPO, in trl's standard format: the prompt asks for a
/// dialogue's summary (<see cref="PromptFor"/>), the chosen completion is the reference summary and the rejected one
/// the same summary with one flaw (<see cref="PreferenceFlaw"/>), about half each: "rude" puts in words from
/// <see cref="RudeWords"/>, "wrong-slot" swaps one fact (a name, day, place or count) for one the dialogue does not
/// state. A summary without such a fact (a shopping one) is made rude instead, so a little under half are
/// wrong-slot. Completions start with a space, as they follow the prompt directly. Pair i is a pure function of
/// (seed, i) and shares no draws with the other generators.
/// </summary>
public static class PreferenceGenerator
{
    /// <summary>The pair's own draws (its flaw and the flaw's details) and its dialogue's: new streams, as
    /// LabelledText takes 9-12.</summary>
    public const uint FlawStream = 13, DialogueStream = 14;

    private static readonly string[] Openers =
    [
        "Ugh, whatever. ", "This is so stupid. ", "What a dumb conversation. ", "Who cares. ",
        "Honestly, this is pathetic. ", "So boring. ",
    ];

    private static readonly string[] Tails =
    [
        " What an idiot.", " Shut up already.", " Who cares anyway.", " How pathetic.", " Nobody asked.", " Get lost.",
    ];

    /// <summary>Replace the summary's final full stop.</summary>
    private static readonly string[] Endings =
        [", you idiot.", ", obviously, you moron.", ", whatever.", ", which is just stupid."];

    /// <summary>Put before a person: "the useless Tom".</summary>
    private static readonly string[] Insults = ["useless", "lazy", "clueless", "annoying", "hopeless", "incompetent"];

    /// <summary>The lists a fact is swapped within: a restaurant stays a restaurant, a surname a surname.</summary>
    private static readonly (SlotKind Kind, string[] Values)[] SlotLists =
    [
        (SlotKind.Name, Names), (SlotKind.Name, Surnames), (SlotKind.Day, Days), (SlotKind.Place, Restaurants),
        (SlotKind.Place, Hotels), (SlotKind.Place, Cities), (SlotKind.Place, Landmarks), (SlotKind.Place, Streets),
        (SlotKind.Place, Companies), (SlotKind.Amount, SmallNumbers),
    ];

    /// <summary>The prompt for a dialogue; a completion follows "Summary:" directly.</summary>
    public static string PromptFor(string dialogue) => $"Summarize this dialogue:\n{dialogue}\nSummary:";

    /// <summary>Pairs start, start + 1, ..., start + count - 1 for this seed.</summary>
    public static IEnumerable<PreferenceExample> Generate(ulong seed, int count, long start = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        return Pairs();

        IEnumerable<PreferenceExample> Pairs()
        {
            for (long i = start; i < start + count; i++) yield return Example(seed, i);
        }
    }

    /// <summary>Pair index for this seed (independent of how many others are generated).</summary>
    public static PreferenceExample Example(ulong seed, long index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        string id = $"preference-{seed}-{index}";
        var dialogue = DialogueSummaryGenerator.Create(seed, index, DialogueStream, id);
        var r = new DataRandom(seed, (ulong)index, FlawStream);
        string summary = dialogue.Summary;
        // The flaw is the first draw, so the split does not depend on what the summary states.
        bool wrongSlot = r.Chance(0.5);
        string? swapped = wrongSlot ? WrongSlot(r, summary, dialogue.DialogueSlotValues) : null;
        string flaw = swapped is null ? PreferenceFlaw.Rude : PreferenceFlaw.WrongSlot;
        string rejected = swapped ?? Rude(r, summary);
        return new PreferenceExample(id, PromptFor(dialogue.Dialogue), " " + summary, " " + rejected, flaw);
    }

    /// <summary>The summary with a rude opener, tail, ending or insult before a person.</summary>
    private static string Rude(DataRandom r, string summary)
    {
        switch (r.Next(4))
        {
            case 0:
                return r.Pick(Openers) + summary;
            case 1:
                return summary + r.Pick(Tails);
            case 2:
                return summary.EndsWith('.') ? summary[..^1] + r.Pick(Endings) : summary + r.Pick(Tails);
            default:
                var people = People(summary);
                if (people.Count == 0) return summary + r.Pick(Tails);
                int at = r.Pick(people);
                string insult = $"{r.Pick("the", "that")} {r.Pick(Insults)} ";
                return summary[..at] + (at == 0 ? Phrase.Capitalized(insult) : insult) + summary[at..];
        }
    }

    /// <summary>Where each person the summary names (a speaker or a first name) is first named.</summary>
    private static List<int> People(string summary)
    {
        var first = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (Match m in Regex.Matches(summary, @"#Person[12]#"))
            first.TryAdd(m.Value, m.Index);
        foreach (var value in DialogueSlots.Find(summary))
        {
            if (value.Kind == SlotKind.Name && Names.Contains(value.Value))
                first.TryAdd(value.Value, Regex.Match(summary, $@"\b{value.Value}\b").Index);
        }
        return [.. first.Values.Order()];
    }

    /// <summary>The summary with one drawn fact swapped everywhere for a drawn value of its list that the dialogue
    /// does not state, or null when no fact can be swapped.</summary>
    private static string? WrongSlot(DataRandom r, string summary, IReadOnlyList<SlotValue> inDialogue)
    {
        var stated = inDialogue.ToHashSet();
        var swaps = new List<(SlotValue Fact, string[] Others)>();
        foreach (var fact in DialogueSlots.Find(summary))
        {
            foreach (var (kind, values) in SlotLists)
            {
                if (kind != fact.Kind) continue;
                string? entry = Array.Find(values, v => Bare(v) == fact.Value);
                if (entry is null) continue;
                // "the Golden Dragon" swaps with "the Silver Spoon", "Luigi's" with "Casa Bonita".
                bool article = entry != Bare(entry);
                string[] others = [.. values.Where(v => (v != Bare(v)) == article).Select(Bare)
                    .Where(v => v != fact.Value && !stated.Contains(new SlotValue(kind, v)))];
                if (others.Length > 0) swaps.Add((fact, others));
                break;
            }
        }
        if (swaps.Count == 0) return null;
        var (old, candidates) = r.Pick(swaps);
        string replacement = r.Pick(candidates);
        // Counts are read in any case ("Four tickets"); an article before one follows the new word ("an eight-day").
        var caseRule = old.Kind == SlotKind.Amount ? RegexOptions.IgnoreCase : RegexOptions.None;
        var pattern = new Regex($@"\b(?:(?<article>[Aa]n?) )?(?<value>{Regex.Escape(old.Value)})\b",
            RegexOptions.CultureInvariant | caseRule);
        return pattern.Replace(summary, m =>
        {
            string value = char.IsUpper(m.Groups["value"].Value[0]) ? Phrase.Capitalized(replacement) : replacement;
            if (!m.Groups["article"].Success) return value;
            string withArticle = Phrase.WithArticle(value);
            return char.IsUpper(m.Groups["article"].Value[0]) ? Phrase.Capitalized(withArticle) : withArticle;
        });
    }

    /// <summary>A place as <see cref="DialogueSlots"/> reads it: without a leading "the".</summary>
    private static string Bare(string value) => value.StartsWith("the ", StringComparison.Ordinal) ? value[4..] : value;
}
