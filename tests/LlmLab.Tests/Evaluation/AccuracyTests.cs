using LlmLab.Evaluation;

namespace LlmLab.Tests.Evaluation;

/// <summary>Accuracy and exact match (exact fractions).</summary>
public class AccuracyTests
{
    [Fact]
    public void Accuracy_is_the_fraction_of_equal_labels()
    {
        Assert.Equal(0.75, Accuracy.Compute([1, 2, 3, 4], [1, 2, 0, 4]));
        Assert.Equal(0.5, Accuracy.Compute(["a", "b"], ["a", "B"]));
        Assert.Throws<ArgumentException>(() => Accuracy.Compute([1], [1, 2]));
        Assert.Throws<ArgumentException>(() => Accuracy.Compute(Array.Empty<int>(), Array.Empty<int>()));
    }

    [Fact]
    public void Exact_match_compares_against_any_reference()
    {
        Assert.True(ExactMatch.Matches("Paris", ["London", "Paris"]));
        Assert.False(ExactMatch.Matches("paris", ["Paris"]));
        Assert.Equal(0.5, ExactMatch.Rate(["a", "b"], [["a"], ["c", "d"]]));
    }

    [Theory]
    [InlineData("The Eiffel Tower!", "eiffel tower")]
    [InlineData("  an   apple, a pear ", "apple pear")]
    [InlineData("theatre and Anne", "theatre and anne")]
    [InlineData("«the» cat", "« » cat")]
    [InlineData("the_cat", "thecat")]
    public void Squad_normalisation_matches_normalize_answer(string text, string expected) =>
        Assert.Equal(expected, ExactMatch.Normalize(text, ExactMatchNormalization.Squad));
}
