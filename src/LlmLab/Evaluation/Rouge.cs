namespace LlmLab.Evaluation;

/// <summary>
/// ROUGE as the rouge_score package (Google's, the one behind Hugging Face <c>evaluate</c>) computes it, to the last
/// bit: tokens from <see cref="RougeTokenizer"/>; ROUGE-N = clipped n-gram overlap over the prediction's n-grams
/// (precision) and the reference's (recall), each denominator at least 1; ROUGE-L from the longest common
/// subsequence of the whole token lists; ROUGE-Lsum splits both texts on "\n" (empty lines dropped) and, per
/// reference line, takes the union of its LCS positions against every prediction line, counting each hit at most as
/// often as the token occurs on both sides (rouge_score's and ROUGE-1.5.5's "no double counting").
/// Several references: for each ROUGE type separately, the score (P, R and F together) of the reference with the
/// highest F1, the first one on ties (rouge_score's <c>score_multi</c>).
/// Arguments are (prediction, reference) everywhere; rouge_score's own order is (target, prediction).
/// </summary>
public static class Rouge
{
    /// <summary>ROUGE-1/2/L/Lsum of a prediction against one reference.</summary>
    public static RougeScores Score(string prediction, string reference, bool useStemmer = false) =>
        Score(prediction, [reference], useStemmer);

    /// <summary>ROUGE-1/2/L/Lsum against several references: per type, the reference with the best F1 (first on ties).</summary>
    public static RougeScores Score(string prediction, IReadOnlyList<string> references, bool useStemmer = false)
    {
        ArgumentNullException.ThrowIfNull(prediction);
        ArgumentNullException.ThrowIfNull(references);
        if (references.Count == 0) throw new ArgumentException("ROUGE needs at least one reference", nameof(references));

        var ids = new WordIds();
        var texts = new TokenizedText[references.Count + 1];
        texts[0] = TokenizedText.Create(prediction, useStemmer, ids);
        for (int r = 0; r < references.Count; r++)
            texts[r + 1] = TokenizedText.Create(references[r] ?? throw new ArgumentNullException(nameof(references)), useStemmer, ids);

        var all = texts.Select(t => t.Tokens).ToArray();
        var unigrams = NgramCounts.Keys(all, 1, ids.MaxId);
        var bigrams = NgramCounts.Keys(all, 2, ids.MaxId);

        RougeScore best1 = default, best2 = default, bestL = default, bestLsum = default;
        for (int r = 1; r < texts.Length; r++)
        {
            var rouge1 = NgramScore(unigrams[0], unigrams[r]);
            var rouge2 = NgramScore(bigrams[0], bigrams[r]);
            var rougeL = LcsScore(texts[0].Tokens, texts[r].Tokens);
            var rougeLsum = texts[0].IsSingleLine && texts[r].IsSingleLine
                ? rougeL // one line each: the summary-level LCS is the plain LCS (same tokens, hits = LCS length)
                : SummaryLevelLcs(texts[0].Lines(useStemmer, ids), texts[r].Lines(useStemmer, ids), ids.MaxId + 1);
            if (r == 1 || rouge1.F1 > best1.F1) best1 = rouge1;
            if (r == 1 || rouge2.F1 > best2.F1) best2 = rouge2;
            if (r == 1 || rougeL.F1 > bestL.F1) bestL = rougeL;
            if (r == 1 || rougeLsum.F1 > bestLsum.F1) bestLsum = rougeLsum;
        }
        return new RougeScores(best1, best2, bestL, bestLsum);
    }

    /// <summary>ROUGE-N for any n >= 1 against one reference.</summary>
    public static RougeScore RougeN(string prediction, string reference, int n, bool useStemmer = false)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 1);
        var ids = new WordIds();
        var p = TokenizedText.Create(prediction, useStemmer, ids).Tokens;
        var r = TokenizedText.Create(reference, useStemmer, ids).Tokens;
        var keys = NgramCounts.Keys([p, r], n, ids.MaxId);
        return NgramScore(keys[0], keys[1]);
    }

    /// <summary>ROUGE-L against one reference.</summary>
    public static RougeScore RougeL(string prediction, string reference, bool useStemmer = false)
    {
        var ids = new WordIds();
        return LcsScore(TokenizedText.Create(prediction, useStemmer, ids).Tokens, TokenizedText.Create(reference, useStemmer, ids).Tokens);
    }

    /// <summary>ROUGE-Lsum against one reference (lines separated by "\n").</summary>
    public static RougeScore RougeLsum(string prediction, string reference, bool useStemmer = false)
    {
        var ids = new WordIds();
        var p = TokenizedText.Create(prediction, useStemmer, ids);
        var r = TokenizedText.Create(reference, useStemmer, ids);
        var predictionLines = p.Lines(useStemmer, ids);
        var referenceLines = r.Lines(useStemmer, ids);
        return SummaryLevelLcs(predictionLines, referenceLines, ids.MaxId + 1);
    }

    /// <summary>
    /// The corpus aggregate: the plain mean of precision, recall and F1 over the cases, each type separately.
    /// rouge_score's BootstrapAggregator reports a bootstrap "mid" instead, which is random; its mean is this.
    /// Zero cases give all zeros.
    /// </summary>
    public static RougeScores Mean(IReadOnlyList<RougeScores> scores)
    {
        ArgumentNullException.ThrowIfNull(scores);
        return new RougeScores(
            MeanOf(scores, s => s.Rouge1), MeanOf(scores, s => s.Rouge2),
            MeanOf(scores, s => s.RougeL), MeanOf(scores, s => s.RougeLsum));
    }

    private static RougeScore MeanOf(IReadOnlyList<RougeScores> scores, Func<RougeScores, RougeScore> pick)
    {
        if (scores.Count == 0) return default;
        double p = 0, r = 0, f = 0;
        foreach (var s in scores)
        {
            var x = pick(s);
            p += x.Precision;
            r += x.Recall;
            f += x.F1;
        }
        return new RougeScore(p / scores.Count, r / scores.Count, f / scores.Count);
    }

    private static RougeScore NgramScore(ulong[] prediction, ulong[] target)
    {
        long overlap = NgramCounts.Overlap(prediction, target);
        double precision = (double)overlap / Math.Max(prediction.Length, 1);
        double recall = (double)overlap / Math.Max(target.Length, 1);
        return RougeScore.FromPrecisionRecall(precision, recall);
    }

    private static RougeScore LcsScore(int[] prediction, int[] target)
    {
        if (prediction.Length == 0 || target.Length == 0) return default;
        int lcs = LcsLength(target, prediction);
        return RougeScore.FromPrecisionRecall((double)lcs / prediction.Length, (double)lcs / target.Length);
    }

    /// <summary>Length of the longest common subsequence, one DP row at a time.</summary>
    private static int LcsLength(int[] a, int[] b)
    {
        var row = new int[b.Length + 1];
        for (int i = 1; i <= a.Length; i++)
        {
            int diagonal = 0; // row[j - 1] of the previous row
            int ai = a[i - 1];
            for (int j = 1; j <= b.Length; j++)
            {
                int above = row[j];
                row[j] = ai == b[j - 1] ? diagonal + 1 : Math.Max(above, row[j - 1]);
                diagonal = above;
            }
        }
        return row[b.Length];
    }

    private static RougeScore SummaryLevelLcs(int[][] predictionLines, int[][] referenceLines, int vocabulary)
    {
        if (predictionLines.Length == 0 || referenceLines.Length == 0) return default;
        int m = referenceLines.Sum(l => l.Length), n = predictionLines.Sum(l => l.Length);
        if (m == 0 || n == 0) return default;

        var referenceCounts = new int[vocabulary];
        var predictionCounts = new int[vocabulary];
        foreach (var line in referenceLines) foreach (int t in line) referenceCounts[t]++;
        foreach (var line in predictionLines) foreach (int t in line) predictionCounts[t]++;

        int hits = 0;
        var union = new SortedSet<int>();
        foreach (var reference in referenceLines)
        {
            union.Clear();
            foreach (var prediction in predictionLines) AddLcsPositions(reference, prediction, union);
            foreach (int position in union)
            {
                int t = reference[position];
                if (predictionCounts[t] > 0 && referenceCounts[t] > 0)
                {
                    hits++;
                    predictionCounts[t]--;
                    referenceCounts[t]--;
                }
            }
        }
        return RougeScore.FromPrecisionRecall((double)hits / n, (double)hits / m);
    }

    /// <summary>
    /// Positions in <paramref name="reference"/> of one LCS with <paramref name="candidate"/>, found by rouge_score's
    /// backtrack (match when the tokens agree, else step left only when that cell is strictly larger), which
    /// decides which of several equally long subsequences is used.
    /// </summary>
    private static void AddLcsPositions(int[] reference, int[] candidate, SortedSet<int> positions)
    {
        int rows = reference.Length, cols = candidate.Length;
        if (rows == 0 || cols == 0) return;
        int width = cols + 1;
        var table = new int[(rows + 1) * width];
        for (int i = 1; i <= rows; i++)
            for (int j = 1; j <= cols; j++)
                table[i * width + j] = reference[i - 1] == candidate[j - 1]
                    ? table[(i - 1) * width + j - 1] + 1
                    : Math.Max(table[(i - 1) * width + j], table[i * width + j - 1]);

        for (int i = rows, j = cols; i > 0 && j > 0;)
        {
            if (reference[i - 1] == candidate[j - 1])
            {
                positions.Add(i - 1);
                i--;
                j--;
            }
            else if (table[i * width + j - 1] > table[(i - 1) * width + j]) j--;
            else i--;
        }
    }

    /// <summary>A text's token ids, with its lines tokenized only when ROUGE-Lsum needs them.</summary>
    private sealed class TokenizedText
    {
        private readonly string _text;
        private int[][]? _lines;

        private TokenizedText(string text, int[] tokens)
        {
            _text = text;
            Tokens = tokens;
        }

        public int[] Tokens { get; }

        public bool IsSingleLine => !_text.Contains('\n');

        public static TokenizedText Create(string text, bool useStemmer, WordIds ids)
        {
            ArgumentNullException.ThrowIfNull(text);
            return new TokenizedText(text, Ids(text, useStemmer, ids));
        }

        /// <summary>The non-empty "\n"-separated lines, tokenized (a line may still have no tokens).</summary>
        public int[][] Lines(bool useStemmer, WordIds ids) =>
            _lines ??= _text.Split('\n').Where(l => l.Length > 0).Select(l => Ids(l, useStemmer, ids)).ToArray();

        private static int[] Ids(string text, bool useStemmer, WordIds ids)
        {
            var tokens = RougeTokenizer.Tokenize(text, useStemmer);
            var result = new int[tokens.Count];
            for (int i = 0; i < result.Length; i++) result[i] = ids.Id(tokens[i]);
            return result;
        }
    }
}
