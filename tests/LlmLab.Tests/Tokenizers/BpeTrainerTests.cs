using System.Text;
using LlmLab.Data;
using LlmLab.Tokenizers;

namespace LlmLab.Tests.Tokenizers;

/// <summary>
/// The byte-level BPE trainer: a merge sequence worked by hand (counts, ties, early stop), the saved GPT-2 files read
/// back by <see cref="HfTokenizer"/> with the same segmentation, round trips of arbitrary text (non-ASCII, emoji,
/// text spelling the special tokens), added tokens as single ids, and files that depend on the corpus alone.
/// </summary>
public sealed class BpeTrainerTests : IDisposable
{
    private static readonly string[] DialogueTokens = ["#Person1#", "#Person2#", "Summary:"];

    private readonly string _folder = Directory.CreateTempSubdirectory("llmlab-bpe-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void A_small_corpus_learns_the_merges_worked_by_hand()
    {
        // "aaabdaaabac" is one piece. Pairs: aa 4, ab 2, the rest 1 -> merge "a a" (left to right: aa a b d aa a b a c).
        // Then aa+a 2 and a+b 2 tie: "a" < "aa", so "a b" -> aa ab d aa ab a c. Then aa+ab 2 -> "aaab". Every pair
        // left is seen once, below the minimum frequency of 2.
        var vocabulary = BpeTrainer.Train(["aaabdaaabac"], vocabularySize: 300, addedTokens: []);
        Assert.Equal([("a", "a"), ("a", "b"), ("aa", "ab")], vocabulary.Merges);
        Assert.Equal(["aa", "ab", "aaab", "<|endoftext|>"], vocabulary.Tokens.Skip(256));

        // With a minimum of 1 the count-1 pairs tie: (a, c) has the smallest left token.
        var more = BpeTrainer.Train(["aaabdaaabac"], vocabularySize: 261, addedTokens: [], minFrequency: 1);
        Assert.Equal([("a", "a"), ("a", "b"), ("aa", "ab"), ("a", "c")], more.Merges);
        Assert.Equal(261, more.Count);

        vocabulary.Save(_folder);
        var tokenizer = HfTokenizer.Load(_folder);
        Assert.Equal(260, tokenizer.VocabularySize);
        Assert.Equal([258, 'd', 258, 'a', 'c'], tokenizer.Encode("aaabdaaabac"));
        Assert.Equal(new SpecialTokens(260, Bos: 259, Eos: 259, Pad: 259, Mask: null, Unk: null, SentinelCount: 0), tokenizer.SpecialTokens);
        Assert.Equal("#version: 0.2\na a\na b\naa ab\n", File.ReadAllText(Path.Combine(_folder, "merges.txt")));
    }

    [Fact]
    public void Spaces_join_the_word_after_them_and_pieces_never_merge_across()
    {
        // GPT-2's pattern: "low", " low", " lower", "." ... ; " l" is a byte pair (Ġ l) learned like any other.
        var vocabulary = BpeTrainer.Train(["low low low lower. low."], vocabularySize: 264, addedTokens: []);
        Assert.Equal([("l", "o"), ("lo", "w"), ("Ġ", "low")], vocabulary.Merges.Take(3));
        Assert.DoesNotContain(vocabulary.Merges, m => m.Left.EndsWith('.') || m.Right.StartsWith('.'));
    }

    [Fact]
    public void The_saved_files_round_trip_any_text_and_keep_added_tokens_whole()
    {
        var corpus = PretrainingCorpus.Generate(seed: 7, documents: 200).ToList();
        var vocabulary = BpeTrainer.Train(corpus, vocabularySize: 600, DialogueTokens);
        Assert.Equal(600, vocabulary.Count);
        vocabulary.Save(_folder);
        var tokenizer = Tokenizer.Load(_folder);

        int person1 = vocabulary.Tokens.ToList().IndexOf("#Person1#");
        int endOfText = tokenizer.SpecialTokens.Eos!.Value;
        Assert.Equal([person1], tokenizer.Encode("#Person1#"));
        int[] line = tokenizer.Encode("#Person1#: Hi.\n#Person2#: Hello.#Person1##Person1");
        Assert.Equal(2, line.Count(id => id == person1)); // the last "#Person1", without its closing '#', is ordinary text
        Assert.DoesNotContain(endOfText, tokenizer.Encode("a <|endoftext|> b")); // a special token is never read from text

        var random = new System.Random(3);
        var texts = new List<string>
        {
            "", " ", "\n\n", "  two  spaces\tand a tab\r\n", "naïve café, Grüße,日本語, Ελληνικά", "emoji 🎉🦊 and a flag 🇺🇸",
            "Summary: #Person1# books a table.", "#Person2##Person1#Summary:Summary", "<|endoftext|>", "\u0000\u0001\u007f",
        };
        for (int i = 0; i < 50; i++)
            texts.Add(new string([.. Enumerable.Range(0, random.Next(1, 40)).Select(_ => (char)random.Next(0x20, 0x2FF))]));
        texts.AddRange(PretrainingCorpus.Generate(seed: 7, documents: 5, start: 1_000_000));
        foreach (string text in texts)
            Assert.Equal(text, tokenizer.Decode(tokenizer.Encode(text)));

        // Text like the corpus packs several characters into a token.
        string heldOut = string.Join("\n\n", PretrainingCorpus.Generate(seed: 7, documents: 50, start: 1_000_000));
        Assert.True(heldOut.Length > 2.0 * tokenizer.Encode(heldOut).Length, $"{heldOut.Length} characters in {tokenizer.Encode(heldOut).Length} tokens");
    }

    [Fact]
    public void The_loaded_tokenizer_segments_the_corpus_as_training_did()
    {
        // Applying the merges in order to a word is what the trainer did to it: every learned token is reachable.
        var corpus = PretrainingCorpus.Generate(seed: 11, documents: 100).ToList();
        var vocabulary = BpeTrainer.Train(corpus, vocabularySize: 500, DialogueTokens);
        vocabulary.Save(_folder);
        var tokenizer = HfTokenizer.Load(_folder);
        var used = new HashSet<int>();
        foreach (string document in corpus) used.UnionWith(tokenizer.Encode(document));
        var unused = Enumerable.Range(256, vocabulary.Count - 256).Where(id => !used.Contains(id)).Select(id => vocabulary.Tokens[id]).ToList();
        // A merge's token can vanish as a symbol when a later merge consumes every occurrence of it; the rest is used.
        Assert.True(unused.Count < (vocabulary.Count - 256) / 5, $"{unused.Count} learned tokens never used: {string.Join(" ", unused.Take(20))}");
        Assert.Contains(vocabulary.Tokens.ToList().IndexOf("#Person2#"), used);
    }

    [Fact]
    public void The_files_depend_on_the_corpus_alone()
    {
        var corpus = PretrainingCorpus.Generate(seed: 5, documents: 120).ToList();
        string Files(IEnumerable<string> texts, string name)
        {
            string folder = Path.Combine(_folder, name);
            BpeTrainer.Train(texts, vocabularySize: 450, DialogueTokens).Save(folder);
            return string.Join("\n", new[] { "vocab.json", "merges.txt", "tokenizer_config.json" }.Select(f => File.ReadAllText(Path.Combine(folder, f), Encoding.UTF8)));
        }
        string first = Files(corpus, "a");
        Assert.Equal(first, Files(corpus, "b"));
        Assert.Equal(first, Files(Enumerable.Reverse(corpus), "c")); // the order of the texts does not matter
        Assert.NotEqual(first, Files(corpus.Skip(1), "d"));
    }

    [Fact]
    public void Mask_and_sentinels_load_as_the_special_tokens_of_masked_LM_and_span_corruption()
    {
        var corpus = PretrainingCorpus.Generate(seed: 7, documents: 100).ToList();
        var vocabulary = BpeTrainer.Train(corpus, vocabularySize: 500, DialogueTokens, mask: true, sentinels: 4);
        Assert.Equal(500, vocabulary.Count);
        Assert.Equal(["<|endoftext|>", "<mask>", "<extra_id_3>", "<extra_id_2>", "<extra_id_1>", "<extra_id_0>"], vocabulary.Tokens.TakeLast(6));
        vocabulary.Save(_folder);
        var tokenizer = Tokenizer.Load(_folder);

        var special = tokenizer.SpecialTokens;
        Assert.Equal(500, special.VocabularySize);
        Assert.Equal(494, special.Eos);
        Assert.Equal(495, special.Mask);
        Assert.Equal(4, special.SentinelCount);
        Assert.Equal([499, 498, 497, 496], Enumerable.Range(0, 4).Select(special.Sentinel));
        // Text that spells a special token stays text; the tokens themselves are dropped, or shown by name.
        string text = "fill <mask> and <extra_id_0> here";
        Assert.DoesNotContain(tokenizer.Encode(text), special.IsSpecial);
        Assert.Equal(text, tokenizer.Decode(tokenizer.Encode(text)));
        Assert.Equal("<mask><extra_id_0>", tokenizer.Decode([495, 499], showSpecialTokens: true));
        Assert.Equal("", tokenizer.Decode([495, 499]));
        // The learned merges are those of a vocabulary without the special tokens, 5 ids smaller.
        Assert.Equal(BpeTrainer.Train(corpus, vocabularySize: 495, DialogueTokens).Merges, vocabulary.Merges);
    }

    [Fact]
    public void Too_small_a_vocabulary_is_refused()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => BpeTrainer.Train(["abc"], vocabularySize: 259, DialogueTokens));
        Assert.Contains("260", e.Message);
    }
}
