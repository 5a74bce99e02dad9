using LlmLab.Evaluation;

namespace LlmLab.Tests.Evaluation;

/// <summary>distinct-n and repetition rate (exact fractions).</summary>
public class GenerationDiversityTests
{
    [Fact]
    public void Distinct_n_pools_all_generations()
    {
        string[] generations = ["a a b", "b c"];
        Assert.Equal(3.0 / 5, GenerationDiversity.DistinctN(generations, 1));
        Assert.Equal(1.0, GenerationDiversity.DistinctN(generations, 2)); // "a a", "a b", "b c"
        Assert.Equal(1.0, GenerationDiversity.DistinctN(generations, 3)); // "a a b" only
        Assert.Equal(0.0, GenerationDiversity.DistinctN(["", "x"], 2));
    }

    [Fact]
    public void Repetition_rate_is_the_share_of_repeated_ngrams()
    {
        Assert.Equal(0.5, GenerationDiversity.RepetitionRate("a a a b", 1));
        Assert.Equal(0.5, GenerationDiversity.RepetitionRate("a b a b a", 2)); // ab ba ab ba: 2 distinct of 4
        Assert.Equal(0.0, GenerationDiversity.RepetitionRate("one", 2));
        Assert.Equal(0.25, GenerationDiversity.MeanRepetitionRate(["a a a b", "x y"], 1));
    }

    [Fact]
    public void Words_are_case_sensitive_whitespace_tokens()
    {
        Assert.Equal(1.0, GenerationDiversity.DistinctN(["The the THE"], 1));
        Assert.Equal(1.0 - 2.0 / 3, GenerationDiversity.RepetitionRate("x\ty\u001Cx", 1), 1e-15); // x y x
    }
}
