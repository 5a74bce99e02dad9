using System.Text;
using static LlmLab.Data.DialogueVocabulary;

namespace LlmLab.Data;

/// <summary>
/// A plain-text pre-training corpus: documents that are dialogues with their summary, reviews, short lists of true
/// facts, short stories and instructions. Dialogues and reviews come from their generators' pre-training streams,
/// so the corpus does not repeat the fine-tuning sets example for example. Document i is a pure function of
/// (seed, i).
/// </summary>
public static class PretrainingCorpus
{
    /// <summary>Documents start .. start + count - 1 for this seed.</summary>
    public static IEnumerable<string> Generate(ulong seed, int documents, long start = 0)
    {
        for (long i = start; i < start + documents; i++) yield return Document(seed, i);
    }

    /// <summary>Exactly <paramref name="characters"/> characters: documents 0, 1, ... joined by blank lines, the last
    /// one cut off.</summary>
    public static string Text(ulong seed, int characters)
    {
        var text = new StringBuilder(characters + 1024);
        for (long i = 0; text.Length < characters; i++)
        {
            if (i > 0) text.Append("\n\n");
            text.Append(Document(seed, i));
        }
        return text.ToString(0, characters);
    }

    public static string Document(ulong seed, long index)
    {
        var r = new DataRandom(seed, (ulong)index, DataRandom.PretrainingStream);
        return r.Next(10) switch
        {
            0 or 1 or 2 => DialogueDocument(seed, index, r),
            3 or 4 => ReviewGenerator.Create(seed, index, DataRandom.PretrainingReviewStream, "").Text,
            5 or 6 => Facts(r),
            7 or 8 => Story(r),
            _ => Instructions(r),
        };
    }

    private static string DialogueDocument(ulong seed, long index, DataRandom r)
    {
        var d = DialogueSummaryGenerator.Create(seed, index, DataRandom.PretrainingDialogueStream, "");
        return r.Chance(0.5) ? d.Dialogue + "\nSummary: " + d.Summary : "Summary: " + d.Summary + "\n" + d.Dialogue;
    }

    private static readonly string[] FixedFacts =
    [
        "Water boils at 100 degrees Celsius at sea level.", "Water freezes at 0 degrees Celsius.",
        "The Earth goes around the Sun once a year.", "The Moon goes around the Earth about once a month.",
        "A week has seven days.", "An hour has sixty minutes.", "A minute has sixty seconds.",
        "Plants need light and water to grow.", "Bees make honey from the nectar of flowers.",
        "The Pacific is the largest ocean on Earth.", "Spiders have eight legs.", "Insects have six legs.",
        "Whales are mammals, not fish.", "The heart pumps blood around the body.", "Ice is lighter than liquid water, so it floats.",
        "Sound travels faster in water than in air.", "A triangle has three sides.", "A square has four equal sides.",
        "Paris is the capital of France.", "Rome is the capital of Italy.", "Tokyo is the capital of Japan.",
        "Berlin is the capital of Germany.", "Madrid is the capital of Spain.", "Lisbon is the capital of Portugal.",
        "Penguins cannot fly, but they swim very well.", "Light from the Sun takes about eight minutes to reach the Earth.",
        "A year usually has 365 days.", "Leap years have 366 days.", "Mercury is the planet closest to the Sun.",
        "Most adults have 32 teeth.", "Copper is a good conductor of electricity.", "Rainbows appear when sunlight passes through raindrops.",
    ];

    private static readonly string[] NumberWords =
        ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
         "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty"];

    private static string Facts(DataRandom r)
    {
        int count = r.Between(3, 6);
        var sentences = new List<string>(r.PickDistinct(FixedFacts, count));
        // Arithmetic facts are true by construction and add endless variety.
        int a = r.Between(0, 10), b = r.Between(0, 10);
        sentences.Insert(r.Next(sentences.Count + 1), r.Chance(0.5)
            ? $"{Phrase.Capitalized(NumberWords[a])} plus {NumberWords[b]} is {NumberWords[a + b]}."
            : $"{a + b} minus {b} is {a}.");
        return string.Join(" ", sentences);
    }

    private static readonly string[] StoryObjects = ["an old key", "a lost puppy", "a letter without a name", "a small wooden box", "a map", "a broken bicycle"];

    private static string Story(DataRandom r)
    {
        string hero = r.Pick(Names), friend = r.Pick(Names.Where(n => n != hero).ToArray()), city = r.Pick(Cities);
        string thing = r.Pick(StoryObjects), day = r.Pick(Days);
        var s = new List<string>
        {
            r.Pick($"{hero} lived in a small flat in {city}.", $"Once upon a time, {hero} worked in a bakery in {city}.",
                $"{hero} had just moved to {city}."),
            r.Pick($"One {day} morning, {hero} found {thing} on the doorstep.", $"On {day}, {hero} noticed {thing} in the park.",
                $"Late on {day}, {hero} came across {thing} near {r.Pick(Landmarks)}."),
            r.Pick($"{hero} called {friend} at once.", $"Not sure what to do, {hero} asked {friend} for advice.",
                $"{friend} happened to walk by and stopped to help."),
        };
        if (r.Chance(0.5))
            s.Add(r.Pick($"Together they walked along {r.Pick(Streets)}, asking everyone they met.",
                "They spent the whole afternoon trying to find out where it came from.", "At first nobody knew anything about it."));
        s.Add(r.Pick($"In the end, the owner turned out to be a neighbour, who thanked {hero} with a cake.",
            $"By evening the mystery was solved, and {hero} and {friend} laughed about it over dinner.",
            $"{hero} kept it, and it became the start of a long friendship with {friend}."));
        return string.Join(" ", s);
    }

    private static readonly (string Task, string[] Steps)[] Tasks =
    [
        ("make a cup of tea", ["Boil some fresh water.", "Put a tea bag in a cup.", "Pour the hot water over the tea bag.", "Wait three minutes, then take the tea bag out.", "Add milk or sugar if you like."]),
        ("plant a tree", ["Choose a sunny spot.", "Dig a hole twice as wide as the roots.", "Put the tree in the hole and fill it with soil.", "Press the soil down gently.", "Water the tree well."]),
        ("change a light bulb", ["Switch off the light.", "Wait for the old bulb to cool down.", "Unscrew the old bulb.", "Screw in the new bulb.", "Switch the light back on."]),
        ("boil an egg", ["Fill a small pan with water.", "Bring the water to the boil.", "Lower the egg in with a spoon.", "Cook it for seven minutes.", "Cool it in cold water before peeling."]),
        ("send a parcel", ["Pack the item in a strong box.", "Write the address clearly on the front.", "Take the box to the post office.", "Pay for the postage.", "Keep the receipt with the tracking number."]),
        ("wash a wool sweater", ["Fill a basin with cool water.", "Add a little gentle soap.", "Soak the sweater for ten minutes.", "Press out the water without twisting.", "Dry it flat on a towel."]),
        ("prepare for an interview", ["Read about the company.", "Think of examples from your past work.", "Practise your answers out loud.", "Choose clean, simple clothes.", "Arrive ten minutes early."]),
    ];

    private static readonly string[] Tips =
    [
        "take your time and do not rush.", "read all the steps before you start.", "keep a towel nearby.",
        "ask a friend to help the first time.", "clean up as you go.", "write down what worked for next time.",
        "have everything ready before you begin.", "if something goes wrong, start again calmly.",
    ];

    private static string Instructions(DataRandom r)
    {
        var (task, steps) = r.Pick(Tasks);
        string tip = $"Tip from {r.Pick(Names)}: {r.Pick(Tips)}";
        if (r.Chance(0.5))
            return $"How to {task}:\n" + string.Join("\n", steps.Select((step, i) => $"{i + 1}. {step}")) + "\n" + tip;
        string[] links = ["First,", "Next,", "Then,", "After that,", "Finally,"];
        return r.Pick($"Here is how to {task}.", $"To {task}, follow these steps.", $"Want to {task}? It is easy.",
                $"{r.Pick(Names)} asked me how to {task}, so here it is.") + " "
            + string.Join(" ", steps.Select((step, i) => links[i] + " " + char.ToLowerInvariant(step[0]) + step[1..])) + " " + tip;
    }

}
