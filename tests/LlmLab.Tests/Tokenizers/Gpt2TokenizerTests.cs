using LlmLab.Tokenizers;
using Microsoft.ML.Tokenizers;

namespace LlmLab.Tests.Tokenizers;

/// <summary>GPT-2 BPE: known ids from GPT-2 itself (tiktoken "gpt2" / Hugging Face GPT2Tokenizer), agreement with the
/// library's own GPT-2 encoding, round trips, and &lt;|endoftext|&gt; as BOS = EOS = PAD.</summary>
public sealed class Gpt2TokenizerTests
{
    private static readonly Gpt2Tokenizer Gpt2 = new();

    [Theory]
    [InlineData("Hello world", new[] { 15496, 995 })]
    [InlineData(" the", new[] { 262 })]
    [InlineData("Hello, world!", new[] { 15496, 11, 995, 0 })]
    [InlineData("", new int[0])]
    public void Known_answers(string text, int[] expected) => Assert.Equal(expected, Gpt2.Encode(text));

    [Fact]
    public void Special_tokens_are_endoftext_except_mask()
    {
        Assert.Equal(50257, Gpt2.VocabularySize);
        var specials = Gpt2.SpecialTokens;
        Assert.Equal(50256, specials.Bos);
        Assert.Equal(50256, specials.Eos);
        Assert.Equal(50256, specials.Pad);
        Assert.Null(specials.Mask);
        Assert.Null(specials.Unk);
        Assert.Equal(0, specials.SentinelCount);
        Assert.Throws<ArgumentOutOfRangeException>(() => specials.Sentinel(0));
        Assert.Equal("Hello<|endoftext|> world", Gpt2.Decode([15496, 50256, 995], showSpecialTokens: true));
        Assert.Equal("Hello world", Gpt2.Decode([15496, 50256, 995]));
    }

    [Theory]
    [InlineData("The quick brown fox jumps over the lazy dog. It's 2026; we'll see what they've done!")]
    [InlineData("  leading and trailing spaces,\n\nnew lines\tand tabs   \n")]
    [InlineData("naïve café, Ελληνικά, русский, 日本語のテキスト, עברית")]
    [InlineData("emoji 🎉🦊 and a family 👩‍👩‍👧 and a flag 🇫🇷 and 𝔘𝔫𝔦𝔠𝔬𝔡𝔢")]
    [InlineData("code: for (int i = 0; i < n; i++) { x[i] += 3.14e-2f; } // done")]
    public void Text_round_trips_and_matches_the_library_encoding(string text)
    {
        int[] ids = Gpt2.Encode(text);
        Assert.DoesNotContain(50256, ids);
        Assert.Equal(text, Gpt2.Decode(ids));
        // Our own pre-tokenisation must split exactly as the library's GPT-2 tokenizer does.
        Assert.Equal(TiktokenTokenizer.CreateForModel("gpt2").EncodeToIds(text), ids);
    }

    [Fact]
    public void An_emoji_split_over_byte_tokens_decodes_whole()
    {
        int[] ids = Gpt2.Encode("🦊");
        Assert.True(ids.Length > 1, $"expected several byte-level tokens, got [{string.Join(", ", ids)}]");
        Assert.Equal("a🦊b", Gpt2.Decode([.. Gpt2.Encode("a"), .. ids, .. Gpt2.Encode("b")]));
    }

    [Fact]
    public void Decoding_an_id_outside_the_vocabulary_throws()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Gpt2.Decode([15496, 50257]));
        Assert.Contains("token id 50257", e.Message);
        Assert.Contains("gpt2", e.Message);
    }
}
