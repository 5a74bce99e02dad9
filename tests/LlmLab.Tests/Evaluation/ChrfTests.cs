using LlmLab.Evaluation;

namespace LlmLab.Tests.Evaluation;

/// <summary>chrF against sacrebleu 2.x: the shared dev cases (1e-9; in practice bit-identical) and the rules that set
/// sacrebleu's numbers apart (code points, zeroed hypothesis counts, effective order, best reference).</summary>
public class ChrfTests
{
    [Fact]
    public void Dev_cases_match_sentence_chrf()
    {
        foreach (var c in DevCase.Load())
            Assert.Equal(c.Number("chrf"), Chrf.Sentence(c.Prediction, c.References), 1e-9);
    }

    [Fact]
    public void Corpus_chrf_scores_the_summed_statistics()
    {
        var cases = DevCase.Load();
        var sum = new long[18];
        foreach (var c in cases)
        {
            var stats = Chrf.Statistics(c.Prediction, c.References);
            for (int k = 0; k < sum.Length; k++) sum[k] += stats[k];
        }
        double corpus = Chrf.Corpus(cases.Select(c => c.Prediction).ToList(), cases.Select(c => (IReadOnlyList<string>)c.References).ToList());
        Assert.Equal(Chrf.Score(sum), corpus);
        // Summing statistics is not averaging sentence scores.
        Assert.NotEqual(cases.Average(c => Chrf.Sentence(c.Prediction, c.References)), corpus, 1e-3);
    }

    [Fact]
    public void Identical_text_scores_100_and_disjoint_text_scores_0()
    {
        Assert.Equal(100.0, Chrf.Sentence("the quick brown fox", ["the quick brown fox"]), 1e-12);
        Assert.Equal(100.0, Chrf.Sentence("the quick brown fox", ["thequick brownfox"]), 1e-12); // whitespace removed
        Assert.Equal(0.0, Chrf.Sentence("xxxx", ["yyyy"]));
        Assert.Equal(0.0, Chrf.Sentence("", ["the cat"]));
        Assert.Equal(0.0, Chrf.Sentence("the cat", [""]));
    }

    [Fact]
    public void Characters_are_code_points_as_in_python()
    {
        var stats = Chrf.Statistics("😀😀a", ["😀😀a"]);
        Assert.Equal(3, stats[0]); // three unigrams, not five UTF-16 units
        Assert.Equal(0, stats[3 * 3]); // no 4-grams
        Assert.Equal(100.0, Chrf.Score(stats), 1e-12);
    }

    [Fact]
    public void Hypothesis_count_is_zero_where_the_reference_has_no_ngram_of_that_order()
    {
        var stats = Chrf.Statistics("abcdefgh", ["ab"]);
        Assert.Equal([8L, 2, 2], stats[0..3]);
        Assert.Equal([7L, 1, 1], stats[3..6]);
        Assert.Equal([0L, 0, 0], stats[6..9]);
        // Only orders 1 and 2 count: P = (2/8 + 1/7) / 2, R = 1.
        double p = (2.0 / 8 + 1.0 / 7) / 2, r = 1.0;
        Assert.Equal(100 * 5 * p * r / (4 * p + r), Chrf.Score(stats), 1e-12);
    }

    [Fact]
    public void Several_references_keep_the_best_one()
    {
        double good = Chrf.Sentence("the cat sat on the mat", ["the cat sat on a mat"]);
        Assert.Equal(good, Chrf.Sentence("the cat sat on the mat", ["a dog ran", "the cat sat on a mat", ""]));
        Assert.Equal(good, Chrf.Sentence("the cat sat on the mat", ["the cat sat on a mat", "a dog ran"]));
    }

    [Fact]
    public void Options_change_order_beta_case_and_whitespace()
    {
        Assert.Equal(100.0, Chrf.Sentence("The Cat", ["the cat"], new ChrfOptions { Lowercase = true }), 1e-12);
        Assert.True(Chrf.Sentence("a b", ["ab"], new ChrfOptions { IncludeWhitespace = true }) < 100);
        Assert.Equal(3 * 2, Chrf.Statistics("abc", ["abc"], new ChrfOptions { CharOrder = 2 }).Length);
        double beta1 = Chrf.Sentence("abcd", ["ab"], new ChrfOptions { Beta = 1 });
        double beta2 = Chrf.Sentence("abcd", ["ab"]);
        Assert.True(beta2 > beta1); // recall is perfect, precision is not: a larger beta favours recall
    }
}
