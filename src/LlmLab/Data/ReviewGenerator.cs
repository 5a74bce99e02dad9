namespace LlmLab.Data;

/// <summary>
/// Synthetic product and movie reviews with a sentiment label. Labels are drawn 50/50; a review is an opener, two or
/// three aspect sentences of the label's polarity, often one contrast sentence in mixed phrasing ("not bad at all",
/// "I expected more", "the only downside is ...") that puts words of the other polarity into the text, and a
/// verdict that leaves the label unambiguous. Example i is a pure function of (seed, i).
/// </summary>
public static class ReviewGenerator
{
    public const string Positive = "positive", Negative = "negative", Product = "product", Movie = "movie";

    /// <summary>The third label of the instruction tasks' reviews (<see cref="NeutralReviews"/>); this generator
    /// writes none.</summary>
    public const string Neutral = "neutral";

    /// <summary>Products, each with an aspect only it has (a lamp has no battery life).</summary>
    internal static readonly (string Name, string Aspect)[] Products =
    [
        ("pair of wireless headphones", "sound"), ("blender", "motor"), ("pair of running shoes", "fit"), ("desk lamp", "brightness"),
        ("backpack", "zip"), ("electric toothbrush", "battery life"), ("phone charger", "charging speed"),
        ("coffee grinder", "grind"), ("yoga mat", "grip"), ("office chair", "comfort"), ("kettle", "lid"),
        ("bluetooth speaker", "bass"), ("rain jacket", "hood"), ("smart watch", "screen"), ("vacuum cleaner", "suction"),
        ("frying pan", "non-stick coating"),
    ];

    internal static readonly string[] ProductAspects =
        ["build quality", "price", "delivery", "design", "packaging", "instruction manual", "customer service", "finish"];

    internal static readonly string[] TitleFirst = ["The Last", "A Silent", "The Broken", "Midnight", "The Hidden", "Beyond the", "The Second", "Into the"];
    internal static readonly string[] TitleSecond = ["Harbor", "Garden", "Signal", "Winter", "Kingdom", "River", "Promise", "Storm", "Mirror", "Road"];
    internal static readonly string[] Genres = ["thriller", "comedy", "drama", "science fiction film", "animated film", "horror film", "romance", "war film"];

    internal static readonly string[] MovieAspects =
        ["acting", "plot", "soundtrack", "visual style", "pacing", "dialogue", "ending", "cinematography", "script", "lead actress"];

    /// <summary>Examples start .. start + count - 1 of the data set for this seed.</summary>
    public static IEnumerable<ReviewExample> Generate(ulong seed, int count, long start = 0)
    {
        for (long i = start; i < start + count; i++) yield return Example(seed, i);
    }

    public static ReviewExample Example(ulong seed, long index) =>
        Create(seed, index, DataRandom.ReviewStream, $"review-{seed}-{index}");

    internal static ReviewExample Create(ulong seed, long index, uint stream, string id) => Create(seed, index, stream, id, out _);

    /// <summary>An example from another stream, with what it reviews ("a kettle", "the film The Last Harbor") for
    /// an instruction that names it.</summary>
    internal static ReviewExample Create(ulong seed, long index, uint stream, string id, out string subject)
    {
        var r = new DataRandom(seed, (ulong)index, stream);
        bool positive = r.Chance(0.5), movie = r.Chance(0.5);
        var sentences = new List<string>();
        string[] aspects;
        if (movie)
        {
            string title = r.Pick(TitleFirst) + " " + r.Pick(TitleSecond), genre = r.Pick(Genres);
            subject = "the film " + title;
            sentences.Add(r.Pick($"I watched {title} last weekend.", $"We saw {title}, {Phrase.WithArticle(genre)}, at the cinema.",
                $"{title} is the new {genre} everyone is talking about.", $"Finally got around to watching {title}.",
                $"My friends took me to see {title}."));
            aspects = r.PickDistinct(MovieAspects, 3);
        }
        else
        {
            var (product, special) = r.Pick(Products);
            subject = Phrase.WithArticle(product);
            sentences.Add(r.Pick($"I bought this {product} {r.Pick("a month ago", "last week", "two weeks ago", "in the spring")}.",
                $"Got this {product} as a gift.", $"I have been using this {product} every day for a while.",
                $"I ordered the {product} after reading a few reviews.", $"This is my second {product} from this brand."));
            aspects = r.PickDistinct(ProductAspects, 3);
            aspects[r.Next(3)] = special;
        }
        int aspectSentences = r.Between(2, 3);
        for (int a = 0; a < aspectSentences - 1; a++) sentences.Add(positive ? Praise(r, aspects[a]) : Complaint(r, aspects[a]));
        if (r.Chance(0.45)) sentences.Add(positive ? MixedPositive(r, aspects[2], movie) : MixedNegative(r, aspects[2], movie));
        else sentences.Add(positive ? Praise(r, aspects[aspectSentences - 1]) : Complaint(r, aspects[aspectSentences - 1]));
        sentences.Add(positive ? PositiveVerdict(r, movie) : NegativeVerdict(r, movie));
        return new ReviewExample(id, string.Join(" ", sentences), positive ? Positive : Negative, movie ? Movie : Product);
    }


    private static string Praise(DataRandom r, string aspect) => r.Pick(
        $"The {aspect} is excellent.", $"{Phrase.Capitalized(aspect)} was superb.", $"I loved the {aspect}.",
        $"The {aspect} is much better than I hoped.", $"Really impressed by the {aspect}.",
        $"The {aspect} is simply wonderful.", $"The {aspect} deserves a special mention, it is great.");

    private static string Complaint(DataRandom r, string aspect) => r.Pick(
        $"The {aspect} is awful.", $"{Phrase.Capitalized(aspect)} was a real letdown.", $"I hated the {aspect}.",
        $"The {aspect} is poor.", $"Really disappointed by the {aspect}.", $"The {aspect} is terrible.",
        $"The {aspect} felt cheap and careless.");

    // Words of the other polarity, used so that the label still follows from the whole review.
    private static string MixedPositive(DataRandom r, string aspect, bool movie) => r.Pick(
        $"The {aspect} is not bad at all.", $"I expected to be disappointed, but the {aspect} won me over.",
        $"The only downside is the {aspect}, which is a little weak, but that hardly matters.",
        $"I was sceptical at first, yet the {aspect} never let me down.",
        $"No complaints about the {aspect}.",
        movie ? "The reviews were terrible, but I honestly enjoyed every minute." : "The box was damaged, but the thing itself works perfectly.");

    private static string MixedNegative(DataRandom r, string aspect, bool movie) => r.Pick(
        $"The {aspect} is not good.", $"I expected more from the {aspect}.",
        $"The {aspect} looks great on paper, but it does not deliver.",
        $"I really wanted to like the {aspect}, but I couldn't.",
        $"The {aspect} is fine, but that is the only nice thing I can say.",
        movie ? "The trailer was great, the film is not." : "It looks nice in the photos, but it broke within a week.");

    private static string PositiveVerdict(DataRandom r, bool movie) => movie
        ? r.Pick("Definitely worth watching.", "I would happily watch it again.", "Highly recommended.", "One of the best films I have seen this year.", "Go and see it.")
        : r.Pick("I would buy it again.", "Highly recommended.", "Worth every penny.", "Very happy with this purchase.", "I recommend it to everyone.");

    private static string NegativeVerdict(DataRandom r, bool movie) => movie
        ? r.Pick("Not worth the ticket.", "I would not recommend it.", "Two hours I will never get back.", "Skip this one.", "A waste of an evening.")
        : r.Pick("I am returning it.", "Save your money.", "I would not recommend it.", "Not worth the price.", "Very disappointed with this purchase.");
}
