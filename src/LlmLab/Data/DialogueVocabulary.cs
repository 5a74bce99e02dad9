namespace LlmLab.Data;

/// <summary>The slot values the dialogue scenarios draw from. Public so tests (and users) can check that a summary
/// names only slot values its dialogue contains.</summary>
public static class DialogueVocabulary
{
    // No names that are also common words or months (May, Will, Mark, June).
    public static readonly string[] Names =
    [
        "Anna", "Ben", "Carla", "David", "Emma", "Frank", "Grace", "Henry", "Irene", "Jack",
        "Karen", "Leo", "Maria", "Nathan", "Olivia", "Peter", "Rachel", "Sam", "Tina", "Victor",
        "Wendy", "Yusuf", "Zoe", "Adam", "Bella", "Chris", "Diana", "Ethan", "Fiona", "George",
        "Hannah", "Ivan", "Julia", "Kevin", "Laura", "Mike", "Nina", "Oscar", "Paula", "Tom",
    ];

    public static readonly string[] Surnames =
        ["Lee", "Brown", "Patel", "Garcia", "Chen", "Smith", "Miller", "Wilson", "Khan", "Novak", "Rossi", "Tanaka"];

    public static readonly string[] Days = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];

    public static readonly string[] Restaurants =
    [
        "the Golden Dragon", "Luigi's", "the Blue Lagoon", "the Green Garden", "the Olive Tree", "Casa Bonita",
        "the Silver Spoon", "the Harbour Grill", "Sakura House", "the Corner Bistro",
    ];

    public static readonly string[] Hotels =
    [
        "the Grand Hotel", "the Riverside Inn", "the Park Plaza", "the Seaview Hotel", "the Royal Lodge",
        "the City Suites", "the Maple Inn", "the Hilltop Hotel",
    ];

    public static readonly string[] Cities =
    [
        "Boston", "Chicago", "Seattle", "Denver", "London", "Paris", "Rome", "Madrid", "Tokyo", "Sydney",
        "Toronto", "Berlin", "Vienna", "Lisbon", "Dublin", "Prague",
    ];

    public static readonly string[] Landmarks =
    [
        "the train station", "the post office", "the city library", "the museum", "the bank", "the hospital",
        "the supermarket", "the town hall", "the bus station", "the stadium",
    ];

    public static readonly string[] Streets =
        ["Oak Street", "Maple Avenue", "Main Street", "Park Road", "High Street", "Elm Street", "River Road", "King Street"];

    public static readonly string[] Colors = ["black", "white", "blue", "red", "green", "grey", "brown"];

    /// <summary>Shop items with a price range in dollars.</summary>
    public static readonly (string Item, int Min, int Max)[] ShopItems =
    [
        ("jacket", 40, 150), ("sweater", 25, 80), ("pair of shoes", 35, 120), ("backpack", 20, 90), ("lamp", 15, 60),
        ("coffee maker", 30, 110), ("watch", 50, 300), ("dress", 30, 140), ("scarf", 10, 40), ("phone case", 8, 30),
        ("suitcase", 60, 200), ("kettle", 15, 50),
    ];

    public static readonly string[] Problems =
    [
        "it stopped working after two days", "it is the wrong size", "the zip is broken", "it has a scratch on it",
        "the colour is different from the picture", "it makes a strange noise",
    ];

    /// <summary>Things to borrow, each with a reason that fits it.</summary>
    public static readonly (string Item, string Reason)[] BorrowItems =
    [
        ("umbrella", "walk to the station in the rain"), ("car", "move some boxes"), ("laptop", "finish a report"),
        ("bike", "get to work"), ("notes", "study for the exam"), ("camera", "take photos at a wedding"),
        ("calculator", "do the maths homework"), ("drill", "fix a shelf"), ("tent", "go camping"),
        ("dictionary", "translate a letter"),
    ];

    public static readonly string[] MoneyReasons =
        ["pay the phone bill", "buy a birthday present", "pay for a taxi", "get some groceries", "buy a train ticket"];

    public static readonly string[] Positions =
        ["sales assistant", "accountant", "software engineer", "marketing manager", "receptionist", "teacher", "nurse", "chef"];

    public static readonly string[] Companies =
        ["Brightway", "Northstar", "Bluefield", "Apex Systems", "Greenleaf", "Summit Foods", "Orion Media", "Redwood Bank"];

    public static readonly string[] Symptoms =
        ["a headache", "a sore throat", "a bad cough", "a fever", "back pain", "a stomachache", "an earache"];

    public static readonly string[] MeetingTopics =
    [
        "the budget", "the new project", "the sales report", "the marketing plan", "the team schedule",
        "the customer survey", "the website redesign", "the training programme",
    ];

    public static readonly string[] Activities =
    [
        "visit the museums", "try the local food", "go hiking", "see old friends", "go to the beach",
        "take a cooking class", "walk around the old town", "go shopping",
    ];

    /// <summary>Party sizes, nights, tickets and other small counts, as words (the same in dialogue and summary).</summary>
    public static readonly string[] SmallNumbers = ["two", "three", "four", "five", "six", "seven", "eight"];

    /// <summary>Every list of named slot values above, for consistency checks.</summary>
    public static IEnumerable<IReadOnlyList<string>> NamedSlotLists =>
    [
        Names, Surnames, Days, Restaurants, Hotels, Cities, Landmarks, Streets, Colors, ShopItems.Select(s => s.Item).ToArray(),
        Problems, BorrowItems.Select(b => b.Item).ToArray(), BorrowItems.Select(b => b.Reason).ToArray(), MoneyReasons, Positions, Companies, Symptoms, MeetingTopics, Activities, SmallNumbers,
    ];

    /// <summary>"7 pm", "10:30 am", "12 pm" from a 24-hour clock.</summary>
    public static string Time(int hour, int minute)
    {
        string suffix = hour >= 12 ? "pm" : "am";
        int h = hour % 12 == 0 ? 12 : hour % 12;
        return minute == 0 ? $"{h} {suffix}" : $"{h}:{minute:D2} {suffix}";
    }
}
