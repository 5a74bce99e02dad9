using LlmLab.Data;

namespace LlmLab.Tests.Data;

public class ReviewGeneratorTests
{
    [Fact]
    public void Same_seed_gives_identical_data_and_different_seeds_differ()
    {
        Assert.Equal(ReviewGenerator.Generate(3, 300).ToList(), ReviewGenerator.Generate(3, 300).ToList());
        var other = ReviewGenerator.Generate(4, 300).ToList();
        int same = ReviewGenerator.Generate(3, 300).Zip(other).Count(p => p.First.Text == p.Second.Text);
        Assert.True(same <= 3, $"{same} of 300 reviews equal across seeds");
    }

    [Fact]
    public void Example_i_does_not_depend_on_how_many_are_generated()
    {
        var many = ReviewGenerator.Generate(8, 100).ToList();
        Assert.Equal(many[73], ReviewGenerator.Generate(8, 5, start: 70).ElementAt(3));
        Assert.Equal(many[73], ReviewGenerator.Example(8, 73));
        Assert.Equal("review-8-73", many[73].Id);
    }

    [Fact]
    public void Labels_and_domains_are_balanced()
    {
        const int n = 4000;
        var reviews = ReviewGenerator.Generate(21, n).ToList();
        Assert.All(reviews, r => Assert.Contains(r.Label, new[] { ReviewGenerator.Positive, ReviewGenerator.Negative }));
        Assert.All(reviews, r => Assert.Contains(r.Domain, new[] { ReviewGenerator.Product, ReviewGenerator.Movie }));
        // Fair coins: standard deviation 31.6 over 4000; 5 sigma is 158.
        Assert.InRange(reviews.Count(r => r.Label == ReviewGenerator.Positive), n / 2 - 158, n / 2 + 158);
        Assert.InRange(reviews.Count(r => r.Domain == ReviewGenerator.Movie), n / 2 - 158, n / 2 + 158);
        Assert.Equal(n, reviews.Select(r => r.Text).Distinct().Count());
    }

    [Fact]
    public void Mixed_phrasing_defeats_a_keyword_rule_but_not_the_full_review()
    {
        var reviews = ReviewGenerator.Generate(23, 4000).ToList();
        // Opposite-polarity words inside a review of the other label.
        string[] negativeWords = ["not", "disappointed", "downside", "weak", "terrible", "damaged"];
        string[] positiveWords = ["great", "nice", "like", "fine", "good"];
        double positivesWithNegativeWords = reviews.Where(r => r.Label == "positive").Average(r => HasAny(r.Text, negativeWords) ? 1.0 : 0.0);
        double negativesWithPositiveWords = reviews.Where(r => r.Label == "negative").Average(r => HasAny(r.Text, positiveWords) ? 1.0 : 0.0);
        Assert.InRange(positivesWithNegativeWords, 0.15, 0.6);
        Assert.InRange(negativesWithPositiveWords, 0.15, 0.6);
        // "Contains 'not' -> negative" is wrong on a good share of reviews.
        double notRule = reviews.Average(r => (r.Text.Contains(" not ") == (r.Label == "negative")) ? 1.0 : 0.0);
        Assert.InRange(notRule, 0.5, 0.9);
    }

    private static bool HasAny(string text, string[] words) =>
        text.ToLowerInvariant().Split(' ', '.', ',').Intersect(words).Any();
}
