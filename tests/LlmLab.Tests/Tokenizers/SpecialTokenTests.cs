using LlmLab.Tokenizers;

namespace LlmLab.Tests.Tokenizers;

/// <summary>Special tokens behave the same for every tokenizer: added only by EncodeWithSpecials (or by id), never by
/// encoding text that spells them, dropped or shown on decode.</summary>
public sealed class SpecialTokenTests
{
    public static TheoryData<string> Kinds => ["char", "gpt2"];

    private static ITokenizer Make(string kind) => kind switch
    {
        "char" => CharTokenizer.Build("<>|_abcdefghijklmnopqrstuvwxyz0123456789 ", sentinels: 3),
        _ => new Gpt2Tokenizer(),
    };

    [Theory, MemberData(nameof(Kinds))]
    public void Text_that_spells_a_special_token_encodes_as_plain_text(string kind)
    {
        var tokenizer = Make(kind);
        string text = "a <bos> b <eos><pad><mask><unk> c <extra_id_0> <|endoftext|> d<|endoftext|>";
        int[] ids = tokenizer.Encode(text);
        Assert.DoesNotContain(ids, tokenizer.SpecialTokens.IsSpecial);
        Assert.Equal(text, tokenizer.Decode(ids));
        Assert.Equal(text, tokenizer.Decode(ids, showSpecialTokens: true));
    }

    [Fact]
    public void Gpt2_encodes_the_endoftext_literal_as_tiktoken_encode_ordinary()
    {
        Assert.Equal([27, 91, 437, 1659, 5239, 91, 29], new Gpt2Tokenizer().Encode("<|endoftext|>"));
    }

    [Theory, MemberData(nameof(Kinds))]
    public void EncodeWithSpecials_adds_bos_and_eos(string kind)
    {
        var tokenizer = Make(kind);
        int[] plain = tokenizer.Encode("abc 123");
        int bos = tokenizer.SpecialTokens.Bos!.Value, eos = tokenizer.SpecialTokens.Eos!.Value;
        Assert.Equal([bos, .. plain, eos], tokenizer.EncodeWithSpecials("abc 123", addBos: true, addEos: true));
        Assert.Equal([bos, .. plain], tokenizer.EncodeWithSpecials("abc 123", addBos: true, addEos: false));
        Assert.Equal([.. plain, eos], tokenizer.EncodeWithSpecials("abc 123", addBos: false, addEos: true));
        Assert.Equal(plain, tokenizer.EncodeWithSpecials("abc 123", addBos: false, addEos: false));
        Assert.Equal("abc 123", tokenizer.Decode(tokenizer.EncodeWithSpecials("abc 123", addBos: true, addEos: true)));
    }

    [Theory, MemberData(nameof(Kinds))]
    public void PadTo_pads_with_pad_or_cuts(string kind)
    {
        var tokenizer = Make(kind);
        int pad = tokenizer.SpecialTokens.Pad!.Value;
        int[] ids = tokenizer.Encode("abc");
        Assert.Equal([.. ids, pad, pad], tokenizer.PadTo(ids, ids.Length + 2));
        Assert.Equal(ids[..1], tokenizer.PadTo(ids, 1));
        Assert.Empty(tokenizer.PadTo(ids, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => tokenizer.PadTo(ids, -1));
    }

    [Fact]
    public void Asking_for_a_special_token_the_tokenizer_lacks_throws()
    {
        var noBos = new FixedSpecials(new SpecialTokens(10, Bos: null, Eos: 9, Pad: null, Mask: null, Unk: null, SentinelCount: 0));
        var e = Assert.Throws<InvalidOperationException>(() => noBos.EncodeWithSpecials("x", addBos: true, addEos: true));
        Assert.Contains("no BOS", e.Message);
        Assert.Equal([1, 9], noBos.EncodeWithSpecials("x", addBos: false, addEos: true));
        Assert.Contains("no PAD", Assert.Throws<InvalidOperationException>(() => noBos.PadTo([1], 3)).Message);
    }

    [Fact]
    public void IsSpecial_knows_every_special_id_and_nothing_else()
    {
        var tokenizer = CharTokenizer.Build("ab", sentinels: 2);
        var specials = tokenizer.SpecialTokens;
        int[] special = Enumerable.Range(0, tokenizer.VocabularySize).Where(specials.IsSpecial).ToArray();
        Assert.Equal([2, 3, 4, 5, 6, 7, 8], special);
        Assert.False(specials.IsSpecial(tokenizer.VocabularySize)); // outside the vocabulary
    }

    /// <summary>A stand-in with chosen special tokens; every text encodes as [1].</summary>
    private sealed class FixedSpecials(SpecialTokens specials) : ITokenizer
    {
        public string Name => "fixed";
        public int VocabularySize => specials.VocabularySize;
        public SpecialTokens SpecialTokens => specials;
        public int[] Encode(string text) => [1];
        public string Decode(ReadOnlySpan<int> ids, bool showSpecialTokens = false) => "";
        public void Save(string folder) { }
    }
}
