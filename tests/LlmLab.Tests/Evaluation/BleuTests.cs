using LlmLab.Evaluation;

namespace LlmLab.Tests.Evaluation;

/// <summary>
/// BLEU against sacrebleu 2.x: the published vectors of docs/references.md (to their printed precision, 1e-6 or better)
/// and the shared dev cases and corpus (1e-9; in practice within an ulp or two), plus edge cases.
/// </summary>
public class BleuTests
{
    private static readonly string[] Hypotheses = ["The dog bit the man.", "It wasn't surprising.", "The man had just bitten him."];

    private static readonly string[][] Streams =
    [
        ["The dog bit the man.", "It was not unexpected.", "The man bit him first."],
        ["The dog had bit the man.", "No one was surprised.", "The man had bitten the dog."],
    ];

    private static IReadOnlyList<IReadOnlyList<string>> Segments => ReferenceStreams.ToSegments(Streams);

    [Fact]
    public void Published_corpus_vector_matches()
    {
        var bleu = Bleu.Corpus(Hypotheses, Segments);
        Assert.Equal(48.530827, bleu.Score, 1e-6);
        Assert.Equal([14L, 7, 5, 3], bleu.Counts);
        Assert.Equal([17L, 14, 11, 8], bleu.Totals);
        Assert.Equal(0.9428731, bleu.BrevityPenalty, 1e-7);
        Assert.Equal(17, bleu.SysLen);
        Assert.Equal(18, bleu.RefLen);

        var untokenized = Bleu.Corpus(Hypotheses, Segments, BleuOptions.Corpus with { Tokenizer = BleuTokenizer.None });
        Assert.Equal(49.1919566, untokenized.Score, 1e-7);
    }

    [Fact]
    public void Published_statistics_vector_matches()
    {
        var score = Bleu.Compute(new BleuStatistics(11, 11, [9, 7, 5, 3], [10, 8, 6, 4]));
        Assert.Equal(83.75922397, score.Score, 1e-8);
        Assert.Equal(1.0, score.BrevityPenalty);
    }

    [Theory]
    [InlineData("test", "a test", 36.78794412)]
    [InlineData("a little test", "a test", 3.218297949)]
    [InlineData("this is a fest", "this is a test", 22.36067977)]
    public void Published_sentence_vectors_with_floor_smoothing_match(string hypothesis, string reference, double expected)
    {
        var options = BleuOptions.Sentence with { Smoothing = BleuSmoothing.Floor, SmoothValue = 0.01, Tokenizer = BleuTokenizer.None };
        Assert.Equal(expected, Bleu.Sentence(hypothesis, [reference], options).Score, 1e-8);
    }

    [Fact]
    public void Dev_cases_match_sentence_bleu_with_exp_floor_and_no_smoothing()
    {
        foreach (var c in DevCase.Load())
        {
            Assert.Equal(c.Number("sentence_bleu"), Bleu.Sentence(c.Prediction, c.References).Score, 1e-9);
            Assert.Equal(c.Number("sentence_bleu_floor"),
                Bleu.Sentence(c.Prediction, c.References, BleuOptions.Sentence with { Smoothing = BleuSmoothing.Floor }).Score, 1e-9);
            Assert.Equal(c.Number("sentence_bleu_none"),
                Bleu.Sentence(c.Prediction, c.References, BleuOptions.Sentence with { Smoothing = BleuSmoothing.None }).Score, 1e-9);
        }
    }

    [Fact]
    public void Dev_corpus_matches_corpus_bleu_over_the_single_reference_cases()
    {
        var cases = DevCase.Load().Where(c => c.References.Length == 1).ToList();
        var expected = DevCase.Corpus();
        var bleu = Bleu.Corpus(cases.Select(c => c.Prediction).ToList(), cases.Select(c => (IReadOnlyList<string>)c.References).ToList());
        Assert.Equal(expected.GetProperty("score").GetDouble(), bleu.Score, 1e-9);
        Assert.Equal(expected.GetProperty("counts").EnumerateArray().Select(e => e.GetInt64()), bleu.Counts);
        Assert.Equal(expected.GetProperty("totals").EnumerateArray().Select(e => e.GetInt64()), bleu.Totals);
        Assert.Equal(expected.GetProperty("bp").GetDouble(), bleu.BrevityPenalty, 1e-12);
        Assert.Equal(expected.GetProperty("sys_len").GetInt64(), bleu.SysLen);
        Assert.Equal(expected.GetProperty("ref_len").GetInt64(), bleu.RefLen);
    }

    [Fact]
    public void Empty_hypothesis_scores_zero_with_zero_brevity_penalty()
    {
        var bleu = Bleu.Sentence("", ["a cat"]);
        Assert.Equal(0.0, bleu.Score);
        Assert.Equal(0.0, bleu.BrevityPenalty);
        Assert.Equal(0, bleu.SysLen);
        Assert.Equal(2, bleu.RefLen);
    }

    [Fact]
    public void Empty_references_are_dropped_and_all_empty_scores_zero()
    {
        Assert.Equal(Bleu.Sentence("the cat sat", ["the cat sat down"]).Score, Bleu.Sentence("the cat sat", ["", "the cat sat down", ""]).Score);
        var allEmpty = Bleu.Sentence("the cat sat", ["", ""]);
        Assert.Equal(0.0, allEmpty.Score);
        Assert.Equal(0, allEmpty.RefLen);
        Assert.Throws<ArgumentException>(() => Bleu.Sentence("x", Array.Empty<string>()));
    }

    [Fact]
    public void Reference_length_is_the_closest_and_the_shorter_on_ties()
    {
        Assert.Equal(2, Bleu.Statistics("a b c", ["x y z w", "x y"]).RefLen);
        Assert.Equal(4, Bleu.Statistics("a b c", ["x y z w", "x"]).RefLen);
    }

    [Fact]
    public void Matches_are_clipped_by_the_largest_count_in_any_one_reference()
    {
        var stats = Bleu.Statistics("the the the the", ["the cat", "the the dog"], BleuOptions.Corpus with { Tokenizer = BleuTokenizer.None });
        Assert.Equal(2, stats.Correct[0]); // max(1, 2), not 1 + 2
        Assert.Equal(1, stats.Correct[1]); // "the the" once in the second reference
        Assert.Equal([4L, 3, 2, 1], stats.Total);
    }

    [Fact]
    public void Add_k_smoothing_adds_to_orders_above_one()
    {
        // correct [2, 0, 0, 0], total [3, 2, 1, 0] -> with k = 1: 2/3, 1/3, 1/2, 1/1 over all four orders.
        var score = Bleu.Compute(new BleuStatistics(3, 3, [2, 0, 0, 0], [3, 2, 1, 0]), BleuOptions.Corpus with { Smoothing = BleuSmoothing.AddK });
        double expected = Math.Exp((Math.Log(200.0 / 3) + Math.Log(100.0 / 3) + Math.Log(50) + Math.Log(100)) / 4);
        Assert.Equal(expected, score.Score, 1e-12);
        Assert.Equal([2L, 0, 0, 0], score.Counts);
    }

    [Fact]
    public void Without_smoothing_a_zero_order_gives_zero_and_effective_order_stops_at_the_last_order_present()
    {
        var none = BleuOptions.Corpus with { Smoothing = BleuSmoothing.None, Tokenizer = BleuTokenizer.None };
        Assert.Equal(0.0, Bleu.Sentence("a b c d", ["a b x d"], none with { EffectiveOrder = true }).Score, 1e-300);
        // "a b" against itself: orders 1 and 2 only -> 100 with effective order, ~0 without.
        Assert.Equal(100.0, Bleu.Sentence("a b", ["a b"], none with { EffectiveOrder = true }).Score, 1e-12);
        Assert.Equal(0.0, Bleu.Sentence("a b", ["a b"], none).Score, 1e-300);
    }

    [Fact]
    public void Lowercase_option_ignores_case()
    {
        Assert.Equal(100.0, Bleu.Sentence("The Cat Sat On The Mat", ["the cat sat on the mat"], BleuOptions.Sentence with { Lowercase = true }).Score, 1e-12);
        Assert.True(Bleu.Sentence("The Cat Sat On The Mat", ["the cat sat on the mat"]).Score < 50);
    }

    [Fact]
    public void Stream_layout_needs_streams_of_equal_length()
    {
        var e = Assert.Throws<ArgumentException>(() => ReferenceStreams.ToSegments([["a", "b"], ["c"]]));
        Assert.Contains("different lengths", e.Message);
    }
}
