using LlmLab.Evaluation;

namespace LlmLab.Tests.Evaluation;

/// <summary>
/// ROUGE against rouge_score: the published vectors of docs/references.md and the shared dev cases (both within 1e-9;
/// in practice bit-identical), the corpus mean, and edge cases.
/// </summary>
public class RougeTests
{
    private const double Tolerance = 1e-9;

    private static void AssertScore(RougeScore actual, double precision, double recall, double f1, string what)
    {
        Assert.True(Math.Abs(actual.Precision - precision) <= Tolerance, $"{what}: precision {actual.Precision:R}, expected {precision:R}");
        Assert.True(Math.Abs(actual.Recall - recall) <= Tolerance, $"{what}: recall {actual.Recall:R}, expected {recall:R}");
        Assert.True(Math.Abs(actual.F1 - f1) <= Tolerance, $"{what}: f1 {actual.F1:R}, expected {f1:R}");
    }

    [Fact]
    public void Published_vectors_match()
    {
        // docs/references.md lists (target, prediction); LlmLab's arguments are (prediction, reference).
        AssertScore(Rouge.RougeN("testing", "testing one two", 1), 1, 1.0 / 3, 0.5, "rouge1");
        AssertScore(Rouge.RougeN("testing one", "testing one two", 2), 1, 0.5, 2.0 / 3, "rouge2");
        AssertScore(Rouge.RougeL("testing two", "testing one two"), 1, 2.0 / 3, 0.8, "rougeL");
        var lsum = Rouge.RougeLsum("w1 w2 w6 w7 w8\nw1 w3 w8 w9 w5", "w1 w2 w3 w4 w5");
        AssertScore(lsum, 0.4, 0.8, 0.8 / 1.5, "rougeLsum");
        Assert.Equal(0.5333, lsum.F1, 4);
    }

    [Fact]
    public void Dev_cases_match_rouge_score_with_and_without_the_stemmer()
    {
        foreach (var c in DevCase.Load())
            foreach (bool stem in new[] { false, true })
            {
                var scores = Rouge.Score(c.Prediction, c.References, stem);
                string suffix = stem ? "_stem" : "";
                foreach (var (name, score) in new[] { ("rouge1", scores.Rouge1), ("rouge2", scores.Rouge2), ("rougeL", scores.RougeL), ("rougeLsum", scores.RougeLsum) })
                {
                    var (p, r, f) = c.Rouge(name + suffix);
                    AssertScore(score, p, r, f, $"line {c.Line} {name}{suffix}");
                }
            }
    }

    [Fact]
    public void Corpus_mean_f1_matches_dev_corpus()
    {
        var cases = DevCase.Load();
        var expected = DevCase.Corpus().GetProperty("rouge_mean_f1");
        foreach (bool stem in new[] { false, true })
        {
            var mean = Rouge.Mean(cases.Select(c => Rouge.Score(c.Prediction, c.References, stem)).ToArray());
            var e = expected.GetProperty(stem ? "stem" : "nostem");
            Assert.Equal(e.GetProperty("rouge1").GetDouble(), mean.Rouge1.F1, Tolerance);
            Assert.Equal(e.GetProperty("rouge2").GetDouble(), mean.Rouge2.F1, Tolerance);
            Assert.Equal(e.GetProperty("rougeL").GetDouble(), mean.RougeL.F1, Tolerance);
            Assert.Equal(e.GetProperty("rougeLsum").GetDouble(), mean.RougeLsum.F1, Tolerance);
        }
    }

    [Fact]
    public void Several_references_keep_the_whole_score_of_the_best_f_first_on_ties()
    {
        // "a" and "a b c d" give the prediction "a b" the same F1 (2/3) with precision and recall swapped.
        var firstShort = Rouge.Score("a b", ["a", "a b c d"]).Rouge1;
        var firstLong = Rouge.Score("a b", ["a b c d", "a"]).Rouge1;
        AssertScore(firstShort, 0.5, 1, 2.0 / 3, "tie, short reference first");
        AssertScore(firstLong, 1, 0.5, 2.0 / 3, "tie, long reference first");

        // A strictly better later reference wins, per ROUGE type independently.
        var scores = Rouge.Score("the cat sat", ["a dog ran", "the cat sat down"]);
        AssertScore(scores.Rouge1, 1, 0.75, 2 * 0.75 / 1.75, "best of two");
    }

    [Fact]
    public void Empty_prediction_or_reference_scores_zero()
    {
        foreach (var (prediction, reference) in new[] { ("", "a b"), ("a b", ""), ("", ""), ("!!!", "a"), ("a", "\n\n") })
        {
            var s = Rouge.Score(prediction, reference);
            foreach (var score in new[] { s.Rouge1, s.Rouge2, s.RougeL, s.RougeLsum })
                Assert.Equal(default, score);
        }
    }

    [Fact]
    public void Tokenizer_keeps_only_ascii_letters_and_digits_like_python()
    {
        Assert.Equal(["caf", "na", "ve", "r", "sum", "don", "t", "3", "5"], RougeTokenizer.Tokenize("Café naïve résumé don't 3.5"));
        // Python lowercases U+0130 to "i" + a combining dot (a separator) and the Kelvin sign to "k".
        Assert.Equal(["i", "stanbul", "kelvin"], RougeTokenizer.Tokenize("İstanbul \u212Aelvin"));
        Assert.Equal(["run", "happili", "the", "cat"], RougeTokenizer.Tokenize("Running happily THE cats", useStemmer: true));
        Assert.Equal(["the", "cat"], RougeTokenizer.Tokenize("😀the😀cat😀"));
    }

    [Fact]
    public void Stemming_only_touches_tokens_longer_than_three_characters()
    {
        Assert.Equal(["cats", "ran", "runs", "was"], RougeTokenizer.Tokenize("cats ran runs was", useStemmer: false));
        Assert.Equal(["cat", "ran", "run", "was"], RougeTokenizer.Tokenize("cats ran runs was", useStemmer: true));
        Assert.Equal(["ies", "skies"], RougeTokenizer.Tokenize("ies skies", useStemmer: false));
        Assert.Equal(["ies", "sky"], RougeTokenizer.Tokenize("ies skies", useStemmer: true));
    }

    [Fact]
    public void Very_long_lines_are_scored_exactly()
    {
        const int n = 4000;
        var prediction = string.Join(' ', Enumerable.Range(0, n).Select(i => $"w{i}"));
        // Every other reference token differs: the LCS keeps the n/2 shared ones.
        var reference = string.Join(' ', Enumerable.Range(0, n).Select(i => i % 2 == 0 ? $"w{i}" : $"x{i}"));
        var s = Rouge.Score(prediction, reference);
        AssertScore(s.Rouge1, 0.5, 0.5, 0.5, "rouge1");
        AssertScore(s.Rouge2, 0, 0, 0, "rouge2");
        AssertScore(s.RougeL, 0.5, 0.5, 0.5, "rougeL");
        Assert.Equal(s.RougeL, s.RougeLsum);

        // The same text split into lines goes through the summary-level path and finds the same hits.
        var multiLine = Rouge.RougeLsum(prediction.Replace(" w1000 ", "\nw1000 "), reference.Replace(" w1000 ", "\nw1000 "));
        AssertScore(multiLine, 0.5, 0.5, 0.5, "rougeLsum over lines");
    }

    [Fact]
    public void Rouge_n_accepts_any_order_and_rejects_zero()
    {
        AssertScore(Rouge.RougeN("a b c d", "a b c d", 4), 1, 1, 1, "rouge4");
        AssertScore(Rouge.RougeN("a b c", "a b c d", 4), 0, 0, 0, "rouge4 without 4-grams in the prediction");
        Assert.Throws<ArgumentOutOfRangeException>(() => Rouge.RougeN("a", "a", 0));
        Assert.Throws<ArgumentException>(() => Rouge.Score("a", Array.Empty<string>()));
    }
}
