using LlmLab.Tokenizers;

namespace LlmLab.Tests.Tokenizers;

/// <summary>The character tokenizer: vocabulary layout (characters by code point, then UNK, PAD, BOS, EOS, MASK,
/// then sentinels counted down from the top), round trips and the unknown-character rule.</summary>
public sealed class CharTokenizerTests
{
    [Fact]
    public void Characters_are_sorted_by_code_point_and_specials_follow_in_a_fixed_order()
    {
        var tokenizer = CharTokenizer.Build("hello");
        Assert.Equal(4, tokenizer.CharacterCount);
        Assert.Equal([1, 0, 2, 2, 3], tokenizer.Encode("hello")); // e h l o
        Assert.Equal(9, tokenizer.VocabularySize);
        Assert.Equal(new SpecialTokens(9, Bos: 6, Eos: 7, Pad: 5, Mask: 8, Unk: 4, SentinelCount: 0), tokenizer.SpecialTokens);
        Assert.Equal("e<unk><pad><bos><eos><mask>", tokenizer.Decode([0, 4, 5, 6, 7, 8], showSpecialTokens: true));
    }

    [Fact]
    public void Sentinels_count_down_from_the_top_of_the_vocabulary()
    {
        var tokenizer = CharTokenizer.Build("abc", sentinels: 100);
        Assert.Equal(3 + 5 + 100, tokenizer.VocabularySize);
        var specials = tokenizer.SpecialTokens;
        Assert.Equal(tokenizer.VocabularySize - 1, specials.Sentinel(0));
        Assert.Equal(tokenizer.VocabularySize - 2, specials.Sentinel(1));
        Assert.Equal(tokenizer.VocabularySize - 100, specials.Sentinel(99));
        Assert.Equal(7, specials.Mask); // sentinels come after every other special token
        Assert.True(specials.IsSentinel(specials.Sentinel(99)));
        Assert.False(specials.IsSentinel(specials.Mask!.Value));
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => specials.Sentinel(100));
        Assert.Contains("100 sentinels", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => specials.Sentinel(-1));
        Assert.Equal("a<extra_id_0>b<extra_id_99>", tokenizer.Decode([0, specials.Sentinel(0), 1, specials.Sentinel(99)], showSpecialTokens: true));
        Assert.Equal("ab", tokenizer.Decode([0, specials.Sentinel(0), 1, specials.Sentinel(99)]));
    }

    [Fact]
    public void The_vocabulary_does_not_depend_on_the_order_of_the_corpus()
    {
        string[] corpus = ["the quick brown fox", "jumps over 🦊 the lazy dog", "Ünïcödé ✓"];
        var forward = CharTokenizer.Build(corpus);
        var backward = CharTokenizer.Build(corpus.Reverse());
        var joined = CharTokenizer.Build(string.Concat(corpus.Reverse()));
        string probe = string.Join("|", corpus);
        Assert.Equal(forward.Encode(probe), backward.Encode(probe));
        Assert.Equal(forward.Encode(probe), joined.Encode(probe));
        Assert.Equal(forward.VocabularySize, joined.VocabularySize);
        Assert.Equal(forward.SpecialTokens, joined.SpecialTokens);
    }

    [Theory]
    [InlineData("Hello, world! 0123456789 ~`{}[]\t\n")]
    [InlineData("naïve café, Ελληνικά, русский, 日本語のテキスト, עברית")]
    [InlineData("emoji 🎉🦊 and a family 👩‍👩‍👧 (ZWJ) and a flag 🇫🇷 and 𝔘𝔫𝔦𝔠𝔬𝔡𝔢")]
    public void Text_round_trips(string text)
    {
        var tokenizer = CharTokenizer.Build(text);
        int[] ids = tokenizer.Encode(text);
        Assert.Equal(text.EnumerateRunes().Count(), ids.Length);
        Assert.DoesNotContain(ids, tokenizer.SpecialTokens.IsSpecial);
        Assert.Equal(text, tokenizer.Decode(ids));
        Assert.Equal(text, tokenizer.Decode(ids, showSpecialTokens: true));
    }

    [Fact]
    public void A_surrogate_pair_is_one_token()
    {
        var tokenizer = CharTokenizer.Build("a🎉");
        Assert.Equal(2, tokenizer.CharacterCount);
        Assert.Equal([1, 0], tokenizer.Encode("🎉a")); // U+1F389 sorts after 'a'
        Assert.Equal("🎉a", tokenizer.Decode([1, 0]));
    }

    [Fact]
    public void Unknown_characters_encode_as_unk_and_lone_surrogates_as_the_replacement_character()
    {
        var tokenizer = CharTokenizer.Build("ab\uFFFD");
        int unk = tokenizer.SpecialTokens.Unk!.Value;
        Assert.Equal([0, unk, 1, unk], tokenizer.Encode("azb🎉"));
        Assert.Equal("a<unk>b<unk>", tokenizer.Decode(tokenizer.Encode("azb🎉"), showSpecialTokens: true));
        Assert.Equal("ab", tokenizer.Decode(tokenizer.Encode("azb🎉")));
        Assert.Equal([0, 2, 1], tokenizer.Encode("a\uD800b"));
        Assert.Equal(3, CharTokenizer.Build("a\uD800b\uDC00").CharacterCount); // a, b, U+FFFD
    }

    [Fact]
    public void Decoding_an_id_outside_the_vocabulary_throws()
    {
        var tokenizer = CharTokenizer.Build("ab");
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => tokenizer.Decode([0, 7]));
        Assert.Contains("token id 7 at position 1", e.Message);
        Assert.Contains("[0, 7)", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => tokenizer.Decode([-1]));
    }

    [Fact]
    public void An_empty_corpus_gives_only_special_tokens()
    {
        var tokenizer = CharTokenizer.Build("", sentinels: 2);
        Assert.Equal(7, tokenizer.VocabularySize);
        Assert.Equal([0], tokenizer.Encode("x")); // UNK is id 0 here
        Assert.Empty(tokenizer.Encode(""));
        Assert.Equal("", tokenizer.Decode([]));
    }
}
