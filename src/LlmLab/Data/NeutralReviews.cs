namespace LlmLab.Data;

/// <summary>
/// Neutral reviews for the instruction tasks' three-way sentiment (<see cref="ReviewGenerator"/> writes only
/// positive and negative ones): the same products and films, an opener, two or three lukewarm or balanced aspect
/// sentences ("The price is fine, the design is average.", "I liked the plot, but the pacing is weak.") and a
/// lukewarm verdict ("It does the job.", "Neither great nor bad."), so the label follows from the whole review as it
/// does for the other two. A review is a pure function of (seed, index, stream).
/// </summary>
internal static class NeutralReviews
{
    public static ReviewExample Create(ulong seed, long index, uint stream, string id, out string subject)
    {
        var r = new DataRandom(seed, (ulong)index, stream);
        bool movie = r.Chance(0.5);
        var sentences = new List<string>();
        string[] aspects;
        if (movie)
        {
            string title = r.Pick(ReviewGenerator.TitleFirst) + " " + r.Pick(ReviewGenerator.TitleSecond);
            string genre = r.Pick(ReviewGenerator.Genres);
            subject = "the film " + title;
            sentences.Add(r.Pick($"I watched {title} on Saturday.", $"We saw {title}, {Phrase.WithArticle(genre)}, last night.",
                $"{title} is the new {genre} from a director I like.", $"Finally watched {title} at home.",
                $"I went to see {title} with my sister.", $"{title} was on TV last night, so I gave it a try."));
            aspects = r.PickDistinct(ReviewGenerator.MovieAspects, 3);
        }
        else
        {
            var (product, special) = r.Pick(ReviewGenerator.Products);
            subject = Phrase.WithArticle(product);
            sentences.Add(r.Pick($"I bought this {product} {r.Pick("a month ago", "last week", "in the autumn", "for my office")}.",
                $"I have had this {product} for a few weeks now.", $"I replaced my old {product} with this one.",
                $"Bought the {product} on sale.", $"My brother recommended this {product}.",
                $"I needed a new {product} and picked this one."));
            aspects = r.PickDistinct(ReviewGenerator.ProductAspects, 3);
            aspects[r.Next(3)] = special;
        }
        if (r.Chance(0.5))
        {
            sentences.Add(Balanced(r, aspects[0], aspects[1]));
        }
        else
        {
            sentences.Add(Lukewarm(r, aspects[0]));
            sentences.Add(Lukewarm(r, aspects[1]));
        }
        if (r.Chance(0.4)) sentences.Add(Lukewarm(r, aspects[2]));
        sentences.Add(movie
            ? r.Pick("An average film, neither great nor bad.", "Watchable, but I will not remember it.", "Three stars from me.",
                "Fine for a quiet evening, nothing more.", "I have mixed feelings about it.", "Not bad, not great.")
            : r.Pick("It does the job.", "Neither great nor bad.", "Three stars from me.", "It is okay for the price, nothing more.",
                "I have mixed feelings about it.", "Not bad, not great."));
        return new ReviewExample(id, string.Join(" ", sentences), ReviewGenerator.Neutral,
            movie ? ReviewGenerator.Movie : ReviewGenerator.Product);
    }

    private static string Lukewarm(DataRandom r, string aspect) => r.Pick(
        $"The {aspect} is fine.", $"The {aspect} is okay, nothing special.", $"The {aspect} is average.",
        $"{Phrase.Capitalized(aspect)} was neither good nor bad.", $"The {aspect} is decent enough.",
        $"The {aspect} is about what you would expect.", $"The {aspect} could be better, but it could be worse.",
        $"Nothing to say about the {aspect}, it is ordinary.");

    private static string Balanced(DataRandom r, string first, string second) => r.Pick(
        $"The {first} is fine, the {second} is average.", $"I liked the {first}, but the {second} is weak.",
        $"The {first} is good, the {second} less so.", $"The {first} is a plus, the {second} a minus.",
        $"The {first} is nice, but the {second} lets it down a little.", $"Good {first}, so-so {second}.");
}
