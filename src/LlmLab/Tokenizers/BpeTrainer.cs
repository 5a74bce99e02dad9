using System.Text;

namespace LlmLab.Tokenizers;

/// <summary>
/// Learns GPT-2-style byte-level BPE from a corpus (Sennrich et al. 2016; GPT-2's byte-level variant, as Hugging
/// Face's BpeTrainer with the ByteLevel pre-tokeniser): the added tokens are cut out of the text first and never
/// learned or merged across; the rest is split with GPT-2's pattern into pieces, each piece a word of UTF-8 bytes;
/// then, until the vocabulary is full, the adjacent pair of symbols seen most often (counted over the words, each
/// weighted by how often it occurs) becomes a new symbol everywhere. Equal counts go to the pair whose left token,
/// then right token, comes first in ordinal order, so the result depends on the corpus alone (not on the order of
/// its texts or of a hash table). A pair seen fewer than <c>minFrequency</c> times ends training early.
/// </summary>
public static class BpeTrainer
{
    /// <summary>
    /// A vocabulary of at most <paramref name="vocabularySize"/> ids: the 256 bytes, the learned merges, the
    /// <paramref name="addedTokens"/>, &lt;|endoftext|&gt; (BOS, EOS and PAD) and, when asked for, the special
    /// tokens of the pre-training objectives other than causal LM: &lt;mask&gt; (masked LM, as RoBERTa's byte-level
    /// BPE names it) and <paramref name="sentinels"/> &lt;extra_id_i&gt; (span corruption, counting down from the top
    /// as T5's). Both are special: never read from text.
    /// </summary>
    public static BpeVocabulary Train(IEnumerable<string> texts, int vocabularySize, IReadOnlyList<string> addedTokens, int minFrequency = 2,
        bool mask = false, int sentinels = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(sentinels);
        var splitter = new AddedTokenSplitter(addedTokens);
        int fixedTokens = 256 + splitter.Tokens.Count + 1 + (mask ? 1 : 0) + sentinels;
        if (vocabularySize < fixedTokens)
            throw new ArgumentOutOfRangeException(nameof(vocabularySize), vocabularySize, $"a byte-level BPE vocabulary needs at least {fixedTokens} ids (256 bytes, {splitter.Tokens.Count} added tokens, <|endoftext|>"
                + (mask ? ", <mask>" : "") + (sentinels > 0 ? $", {sentinels} sentinels" : "") + ")");
        ArgumentOutOfRangeException.ThrowIfLessThan(minFrequency, 1);

        var words = CountWords(texts, splitter);
        var tokens = new List<string>(vocabularySize);
        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int b = 0; b < 256; b++)
        {
            tokens.Add(ByteLevel.Char((byte)b).ToString());
            ids.Add(tokens[b], b);
        }

        var pairs = new Dictionary<(int Left, int Right), long>();
        var where = new Dictionary<(int Left, int Right), HashSet<int>>();
        for (int w = 0; w < words.Count; w++) AddPairs(words[w], w, pairs, where);

        var merges = new List<(string Left, string Right)>();
        int learned = vocabularySize - fixedTokens;
        while (tokens.Count - 256 < learned)
        {
            if (!Best(pairs, tokens, minFrequency, out var best)) break;
            string merged = tokens[best.Left] + tokens[best.Right];
            if (!ids.TryGetValue(merged, out int id))
            {
                id = tokens.Count;
                tokens.Add(merged);
                ids.Add(merged, id);
            }
            merges.Add((tokens[best.Left], tokens[best.Right]));
            // Sorted, so that the pair index is updated in one fixed order (its contents do not depend on it).
            foreach (int w in where[best].Order())
            {
                var word = words[w];
                if (!Contains(word.Symbols, best)) continue;
                RemovePairs(word, pairs);
                word.Symbols = Merge(word.Symbols, best, id);
                AddPairs(word, w, pairs, where);
            }
            pairs.Remove(best);
            where.Remove(best);
        }
        return new BpeVocabulary(tokens, merges, splitter.Tokens, mask, sentinels);
    }

    /// <summary>A pre-tokenised piece of the corpus: its symbols (token ids) and how often it occurs.</summary>
    private sealed class Word(int[] symbols, long count)
    {
        public int[] Symbols { get; set; } = symbols;
        public long Count { get; } = count;
    }

    /// <summary>The distinct pieces, in ordinal order of their text, as byte ids.</summary>
    private static List<Word> CountWords(IEnumerable<string> texts, AddedTokenSplitter splitter)
    {
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (string text in texts)
            foreach (var (piece, token) in splitter.Split(text))
            {
                if (token is not null) continue;
                foreach (var match in Gpt2Tokenizer.Gpt2Pattern().EnumerateMatches(piece))
                {
                    string word = piece.Substring(match.Index, match.Length);
                    counts[word] = counts.GetValueOrDefault(word) + 1;
                }
            }
        return [.. counts.OrderBy(c => c.Key, StringComparer.Ordinal)
            .Select(c => new Word([.. Encoding.UTF8.GetBytes(c.Key).Select(b => (int)b)], c.Value))];
    }

    /// <summary>The most frequent pair (ties: smallest left token, then right token, in ordinal order).</summary>
    private static bool Best(Dictionary<(int Left, int Right), long> pairs, List<string> tokens, int minFrequency, out (int Left, int Right) best)
    {
        best = default;
        long bestCount = 0;
        foreach (var (pair, count) in pairs)
        {
            if (count < bestCount || count < minFrequency) continue;
            if (count == bestCount)
            {
                int order = string.CompareOrdinal(tokens[pair.Left], tokens[best.Left]);
                if (order == 0) order = string.CompareOrdinal(tokens[pair.Right], tokens[best.Right]);
                if (order >= 0) continue;
            }
            best = pair;
            bestCount = count;
        }
        return bestCount > 0;
    }

    private static bool Contains(int[] symbols, (int Left, int Right) pair)
    {
        for (int i = 0; i + 1 < symbols.Length; i++)
            if (symbols[i] == pair.Left && symbols[i + 1] == pair.Right) return true;
        return false;
    }

    /// <summary>Every occurrence of the pair, left to right without overlaps ("a a a" with "a a" gives "aa a").</summary>
    private static int[] Merge(int[] symbols, (int Left, int Right) pair, int id)
    {
        var merged = new List<int>(symbols.Length);
        for (int i = 0; i < symbols.Length; i++)
        {
            if (i + 1 < symbols.Length && symbols[i] == pair.Left && symbols[i + 1] == pair.Right)
            {
                merged.Add(id);
                i++;
            }
            else merged.Add(symbols[i]);
        }
        return [.. merged];
    }

    private static void AddPairs(Word word, int index, Dictionary<(int, int), long> pairs, Dictionary<(int, int), HashSet<int>> where)
    {
        var symbols = word.Symbols;
        for (int i = 0; i + 1 < symbols.Length; i++)
        {
            var pair = (symbols[i], symbols[i + 1]);
            pairs[pair] = pairs.GetValueOrDefault(pair) + word.Count;
            if (!where.TryGetValue(pair, out var set)) where[pair] = set = [];
            set.Add(index);
        }
    }

    private static void RemovePairs(Word word, Dictionary<(int, int), long> pairs)
    {
        var symbols = word.Symbols;
        for (int i = 0; i + 1 < symbols.Length; i++)
        {
            var pair = (symbols[i], symbols[i + 1]);
            long left = pairs[pair] - word.Count;
            if (left == 0) pairs.Remove(pair);
            else pairs[pair] = left;
        }
    }
}
