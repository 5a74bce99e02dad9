using System.Text;
using LlmLab.Evaluation;

namespace LlmLab.Tests.Evaluation;

/// <summary>
/// The n-gram counting paths: n-grams packed into 64-bit keys (the common case) and, when too many distinct units
/// make that impossible, relabelled order by order. Both must give the counts of a plain string-keyed Counter,
/// written here straight from the definitions (exact integers).
/// </summary>
public class NgramPathTests
{
    private static Dictionary<string, int> Counter(IReadOnlyList<string> units, int n)
    {
        var counts = new Dictionary<string, int>();
        for (int i = 0; i + n <= units.Count; i++)
        {
            string key = string.Join("\u0001", units.Skip(i).Take(n));
            counts[key] = counts.GetValueOrDefault(key) + 1;
        }
        return counts;
    }

    private static long Overlap(Dictionary<string, int> a, Dictionary<string, int> b) =>
        a.Sum(p => (long)Math.Min(p.Value, b.GetValueOrDefault(p.Key)));

    private static string[] CodePoints(string s) =>
        s.EnumerateRunes().Where(r => !Rune.IsWhiteSpace(r)).Select(r => r.ToString()).ToArray();

    private static string ManyDistinctCharacters(int count, int seed)
    {
        var random = new System.Random(seed);
        return new string(Enumerable.Range(0, count).Select(_ => (char)(0x4E00 + random.Next(1500))).ToArray());
    }

    [Theory]
    [InlineData(300)]   // about 260 distinct characters: packed keys
    [InlineData(6000)]  // about 1,500 distinct characters: more than 1,023, relabelled
    public void Chrf_statistics_match_a_counter_on_both_paths(int length)
    {
        string hypothesis = ManyDistinctCharacters(length, 1), reference = ManyDistinctCharacters(length, 2) + hypothesis[..(length / 3)];
        var stats = Chrf.Statistics(hypothesis, [reference]);
        string[] h = CodePoints(hypothesis), r = CodePoints(reference);
        for (int n = 1; n <= 6; n++)
        {
            var hc = Counter(h, n);
            var rc = Counter(r, n);
            Assert.Equal(hc.Values.Sum(), stats[3 * (n - 1)]);
            Assert.Equal(rc.Values.Sum(), stats[3 * (n - 1) + 1]);
            Assert.Equal(Overlap(hc, rc), stats[3 * (n - 1) + 2]);
        }
    }

    [Theory]
    [InlineData(200)]     // packed: 4 x 8 bits
    [InlineData(70_000)]  // more than 65,535 distinct words: 4 x 17 bits do not fit, relabelled
    public void Bleu_statistics_match_a_counter_on_both_paths(int distinctWords)
    {
        var random = new System.Random(distinctWords);
        string[] vocabulary = Enumerable.Range(0, distinctWords).Select(i => $"w{i}").ToArray();
        string[] reference = Enumerable.Range(0, Math.Max(400, distinctWords)).Select(i => vocabulary[i % distinctWords]).ToArray();
        string[] hypothesis = reference.Select(w => random.NextDouble() < 0.7 ? w : vocabulary[random.Next(distinctWords)]).ToArray();
        var options = BleuOptions.Corpus with { Tokenizer = BleuTokenizer.None };
        var stats = Bleu.Statistics(string.Join(' ', hypothesis), [string.Join(' ', reference)], options);
        for (int n = 1; n <= 4; n++)
        {
            var hc = Counter(hypothesis, n);
            Assert.Equal(hc.Values.Sum(), stats.Total[n - 1]);
            Assert.Equal(Overlap(hc, Counter(reference, n)), stats.Correct[n - 1]);
        }
    }

    [Fact]
    public void Bleu_clips_by_the_per_ngram_maximum_over_many_references()
    {
        var random = new System.Random(9);
        string Text() => string.Join(' ', Enumerable.Range(0, 60).Select(_ => "abcdef"[random.Next(6)].ToString()));
        string hypothesis = Text();
        string[] references = [Text(), Text(), Text(), Text()];
        var stats = Bleu.Statistics(hypothesis, references, BleuOptions.Corpus with { Tokenizer = BleuTokenizer.None });
        string[] h = hypothesis.Split(' ');
        for (int n = 1; n <= 4; n++)
        {
            var max = new Dictionary<string, int>();
            foreach (var r in references)
                foreach (var (key, count) in Counter(r.Split(' '), n))
                    max[key] = Math.Max(max.GetValueOrDefault(key), count);
            Assert.Equal(Overlap(Counter(h, n), max), stats.Correct[n - 1]);
        }
    }

    [Fact]
    public void High_order_rouge_n_relabels_and_still_counts_exactly()
    {
        // 9-grams of ~300 distinct words need 9 x 9 bits: the relabelled path.
        var random = new System.Random(4);
        string[] words = Enumerable.Range(0, 300).Select(i => $"t{i}").ToArray();
        string[] reference = Enumerable.Range(0, 400).Select(_ => words[random.Next(words.Length)]).ToArray();
        string[] prediction = reference.Take(200).Concat(reference.Skip(250)).ToArray();
        var score = Rouge.RougeN(string.Join(' ', prediction), string.Join(' ', reference), 9);
        var pc = Counter(prediction, 9);
        var rc = Counter(reference, 9);
        double overlap = Overlap(pc, rc);
        Assert.Equal(overlap / pc.Values.Sum(), score.Precision);
        Assert.Equal(overlap / rc.Values.Sum(), score.Recall);
    }
}
