using System.Text;
using LlmLab.Tokenizers;

namespace LlmLab.Tests.Tokenizers;

/// <summary>
/// Hugging Face tokenizer folders made in the test (a byte-level BPE vocab.json + merges.txt, a WordPiece vocab.txt,
/// SentencePiece models written by a hand-made protobuf encoder): known ids, round trips, special tokens from the
/// config files, sentinels, save and reload, and one clear error for a folder without a tokenizer this reads.
/// </summary>
public sealed class HfTokenizerTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("llmlab-hf-tokenizer-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private void Write(string name, string text) => File.WriteAllText(Path.Combine(_folder, name), text, new UTF8Encoding(false));

    // ---- byte-level BPE (GPT-2) ----

    /// <summary>GPT-2's byte -> character map (bytes_to_unicode): printable bytes stand for themselves, the rest
    /// move to 256 + n ('Ġ' is the space).</summary>
    private static char[] ByteToChar()
    {
        var map = new char[256];
        int next = 0;
        for (int b = 0; b < 256; b++)
            map[b] = b is >= '!' and <= '~' or >= 0xA1 and <= 0xAC or >= 0xAE and <= 0xFF ? (char)b : (char)(256 + next++);
        return map;
    }

    private static readonly string[] Merges = ["h e", "l l", "he ll", "hell o", "Ġ w", "o r", "Ġw or", "Ġwor l", "Ġworl d"];

    /// <summary>256 byte tokens (id = byte), then one token per merge from 256 ("he" 256 ... "hello" 259,
    /// "Ġworld" 264), then &lt;|endoftext|&gt; 265.</summary>
    private void WriteGpt2Folder()
    {
        var map = ByteToChar();
        var vocabulary = new List<string>();
        for (int b = 0; b < 256; b++) vocabulary.Add(map[b].ToString());
        vocabulary.AddRange(Merges.Select(m => m.Replace(" ", "")));
        vocabulary.Add("<|endoftext|>");
        Write("vocab.json", System.Text.Json.JsonSerializer.Serialize(vocabulary.Select((token, id) => (token, id)).ToDictionary(t => t.token, t => t.id)));
        Write("merges.txt", "#version: 0.2\n" + string.Join("\n", Merges) + "\n");
    }

    [Fact]
    public void Byte_level_bpe_encodes_known_ids_and_round_trips_any_text()
    {
        WriteGpt2Folder();
        var tokenizer = HfTokenizer.Load(_folder);
        Assert.Equal(HfTokenizer.BpeKind, tokenizer.Name);
        Assert.Equal(266, tokenizer.VocabularySize);
        Assert.Equal([259, 264], tokenizer.Encode("hello world"));
        Assert.Equal([104, 0xC3, 0xA9, 257, 111], tokenizer.Encode("héllo")); // h, é as two bytes, ll, o
        Assert.Equal([259, 32, 32, 260], tokenizer.Encode("hello   w")); // GPT-2's pattern keeps runs of spaces
        foreach (string text in new[] { "hello world", "  Hello,\tworld!\n", "naïve café 日本語 🎉🦊", "" })
            Assert.Equal(text, tokenizer.Decode(tokenizer.Encode(text)));

        // GPT-2's defaults: <|endoftext|> is BOS, EOS and UNK; no PAD without a file naming one.
        Assert.Equal(new SpecialTokens(266, Bos: 265, Eos: 265, Pad: null, Mask: null, Unk: 265, SentinelCount: 0), tokenizer.SpecialTokens);
        Assert.DoesNotContain(265, tokenizer.Encode("a<|endoftext|>b")); // text that spells a special token stays text
        Assert.Equal("hello world", tokenizer.Decode([259, 265, 264]));
        Assert.Equal("hello<|endoftext|> world", tokenizer.Decode([259, 265, 264], showSpecialTokens: true));
        Assert.Equal([265, 259, 265], tokenizer.EncodeWithSpecials("hello", addBos: true, addEos: true));
        Assert.Throws<ArgumentOutOfRangeException>(() => tokenizer.Decode([266]));
    }

    [Fact]
    public void Special_tokens_map_wins_over_tokenizer_config_and_names_pad()
    {
        WriteGpt2Folder();
        Write("tokenizer_config.json", """{"add_prefix_space": true, "pad_token": "o", "eos_token": {"content": "<|endoftext|>", "special": true}}""");
        Write("special_tokens_map.json", """{"pad_token": "<|endoftext|>", "unk_token": null}""");
        var tokenizer = HfTokenizer.Load(_folder);
        Assert.Equal(new SpecialTokens(266, Bos: 265, Eos: 265, Pad: 265, Mask: null, Unk: null, SentinelCount: 0), tokenizer.SpecialTokens);
        Assert.Equal([259, 264], tokenizer.Encode("hello world")[1..]); // add_prefix_space: " hello" starts with Ġ
        Assert.Equal([32, 259, 264], tokenizer.Encode("hello world")); // no "Ġhello" token: Ġ, hello
    }

    [Fact]
    public void Added_tokens_that_are_not_special_are_matched_whole_in_text()
    {
        WriteGpt2Folder();
        Write("tokenizer_config.json", """
            {"added_tokens_decoder": {
              "265": {"content": "<|endoftext|>", "special": true},
              "266": {"content": "#P1#", "special": false},
              "267": {"content": "#P1#x", "special": false},
              "268": {"content": "<sep>", "special": true}}}
            """);
        var tokenizer = HfTokenizer.Load(_folder);
        Assert.Equal(269, tokenizer.VocabularySize);
        Assert.Equal([266, 259, 264], tokenizer.Encode("#P1#hello world"));
        Assert.Equal([259, 32, 266, 32, 267], tokenizer.Encode("hello #P1# #P1#x")); // the longest match wins; spaces stay
        Assert.Equal([60, 115, 101, 112, 62], tokenizer.Encode("<sep>")); // a special added token stays text
        Assert.Equal("#P1#hello world #P1#x", tokenizer.Decode(tokenizer.Encode("#P1#hello world #P1#x")));
    }

    [Fact]
    public void A_special_token_outside_the_vocabulary_is_named_with_its_file()
    {
        WriteGpt2Folder();
        Write("special_tokens_map.json", """{"bos_token": "<s>"}""");
        var e = Assert.Throws<TokenizerFileException>(() => HfTokenizer.Load(_folder));
        Assert.Contains("special_tokens_map.json", e.Message);
        Assert.Contains("bos_token \"<s>\"", e.Message);
    }

    // ---- WordPiece (BERT) ----

    private static readonly string[] BertVocabulary = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "hello", "world", "##s", "un", "##aff", "##able", ",", "!"];

    [Fact]
    public void Wordpiece_lower_cases_splits_subwords_and_uses_cls_and_sep_as_bos_and_eos()
    {
        Write("vocab.txt", string.Join("\n", BertVocabulary) + "\n");
        Write("tokenizer_config.json", """{"do_lower_case": true, "model_max_length": 512}""");
        var tokenizer = HfTokenizer.Load(_folder);
        Assert.Equal(HfTokenizer.WordPieceKind, tokenizer.Name);
        Assert.Equal(13, tokenizer.VocabularySize);
        Assert.Equal([5, 11, 6, 7, 8, 9, 10, 12], tokenizer.Encode("Hello, worlds unaffable!"));
        Assert.Equal("hello, worlds unaffable!", tokenizer.Decode(tokenizer.Encode("Hello, worlds unaffable!")));
        Assert.Equal("hello world", tokenizer.Decode(tokenizer.Encode("hello world")));
        Assert.Equal(new SpecialTokens(13, Bos: 2, Eos: 3, Pad: 0, Mask: 4, Unk: 1, SentinelCount: 0), tokenizer.SpecialTokens);
        Assert.Equal([2, 5, 6, 3], tokenizer.EncodeWithSpecials("hello world", addBos: true, addEos: true));
        Assert.Equal("[CLS] hello [MASK] world [SEP]", tokenizer.Decode([2, 5, 4, 6, 3], showSpecialTokens: true));
        Assert.Equal("hello world", tokenizer.Decode([2, 5, 4, 6, 3]));
        Assert.DoesNotContain(4, tokenizer.Encode("hello [MASK] world"));
        Assert.Equal([5, 1], tokenizer.Encode("hello xyz")); // an unknown word is [UNK]
    }

    [Fact]
    public void Wordpiece_keeps_case_when_do_lower_case_is_false()
    {
        Write("vocab.txt", string.Join("\n", BertVocabulary));
        Write("tokenizer_config.json", """{"do_lower_case": false}""");
        var tokenizer = HfTokenizer.Load(_folder);
        Assert.Equal([1, 6], tokenizer.Encode("Hello world"));
    }

    // ---- SentencePiece ----

    /// <summary>T5's layout: pad 0, eos 1, unk 2, no BOS (bos_id = -1, which Microsoft.ML.Tokenizers cannot take as
    /// it is); a Unigram model; three sentinels from special_tokens_map.json placed above the pieces.</summary>
    [Fact]
    public void Sentencepiece_unigram_as_t5_with_sentinels_counted_down_from_the_top()
    {
        var model = new SentencePieceModelBuilder()
            .Add("<pad>", 0, SentencePieceModelBuilder.Control).Add("</s>", 0, SentencePieceModelBuilder.Control).Add("<unk>", 0, SentencePieceModelBuilder.Unknown)
            .Add("▁", -2).Add("▁hello", -3).Add("▁world", -3).Add("▁he", -4)
            .Add("h", -5).Add("e", -5).Add("l", -5).Add("o", -5).Add("w", -5).Add("r", -5).Add("d", -5);
        File.WriteAllBytes(Path.Combine(_folder, "spiece.model"), model.Build(SentencePieceModelBuilder.Unigram, unkId: 2, bosId: -1, eosId: 1, padId: 0));
        Write("special_tokens_map.json", """{"eos_token": "</s>", "unk_token": "<unk>", "pad_token": "<pad>", "additional_special_tokens": ["<extra_id_0>", "<extra_id_1>", "<extra_id_2>"]}""");
        var tokenizer = HfTokenizer.Load(_folder);
        Assert.Equal(HfTokenizer.SentencePieceKind, tokenizer.Name);
        Assert.Equal(14 + 3, tokenizer.VocabularySize);
        Assert.Equal(new SpecialTokens(17, Bos: null, Eos: 1, Pad: 0, Mask: null, Unk: 2, SentinelCount: 3), tokenizer.SpecialTokens);
        Assert.Equal(16, tokenizer.SpecialTokens.Sentinel(0));
        Assert.Equal([4, 5], tokenizer.Encode("hello world"));
        Assert.Equal([4, 3, 11, 10, 9, 13], tokenizer.Encode("hello wold")); // no "▁w" piece: ▁ w o l d
        Assert.Equal("hello world hold", tokenizer.Decode(tokenizer.Encode("hello world hold")));
        Assert.DoesNotContain(1, tokenizer.Encode("hello</s>"));
        Assert.Equal("hello<extra_id_0> world</s>", tokenizer.Decode([4, 16, 5, 1], showSpecialTokens: true));
        Assert.Equal("hello world", tokenizer.Decode([4, 16, 5, 1, 0, 0]));
        Assert.Equal([4, 5, 1], tokenizer.EncodeWithSpecials("hello world", addBos: false, addEos: true));
    }

    /// <summary>Llama's layout: unk 0, bos 1, eos 2, the 256 byte pieces, then BPE pieces whose scores order the merges.</summary>
    private static byte[] LlamaModel()
    {
        var model = new SentencePieceModelBuilder()
            .Add("<unk>", 0, SentencePieceModelBuilder.Unknown).Add("<s>", 0, SentencePieceModelBuilder.Control).Add("</s>", 0, SentencePieceModelBuilder.Control)
            .AddBytes();
        // 259 onwards: single characters, then merges by falling score.
        foreach (string c in new[] { "▁", "h", "e", "l", "o", "w", "r", "d" }) model.Add(c, -100);
        float score = -1;
        foreach (string merged in new[] { "▁h", "ll", "▁he", "llo", "▁hello", "▁w", "or", "▁wor", "ld", "▁world" }) model.Add(merged, score--);
        return model.Build(SentencePieceModelBuilder.Bpe, unkId: 0, bosId: 1, eosId: 2, padId: -1, byteFallback: true);
    }

    [Fact]
    public void Sentencepiece_bpe_as_llama_merges_by_score_and_falls_back_to_bytes()
    {
        File.WriteAllBytes(Path.Combine(_folder, "tokenizer.model"), LlamaModel());
        Write("tokenizer_config.json", """{"bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>", "pad_token": null, "add_bos_token": true}""");
        var tokenizer = HfTokenizer.Load(_folder);
        Assert.Equal(3 + 256 + 8 + 10, tokenizer.VocabularySize);
        Assert.Equal(new SpecialTokens(277, Bos: 1, Eos: 2, Pad: null, Mask: null, Unk: 0, SentinelCount: 0), tokenizer.SpecialTokens);
        Assert.Equal([271, 276], tokenizer.Encode("hello world"));
        Assert.Equal([271, 259, 3 + 0xC3, 3 + 0xA9], tokenizer.Encode("hello é")); // é is not a piece: its UTF-8 bytes
        foreach (string text in new[] { "hello world", "hello é 日本 🎉", "world hello" })
            Assert.Equal(text, tokenizer.Decode(tokenizer.Encode(text)));
        Assert.Equal([1, 271, 276, 2], tokenizer.EncodeWithSpecials("hello world", addBos: true, addEos: true));
        Assert.Equal("hello world", tokenizer.Decode([1, 271, 276, 2]));
        Assert.DoesNotContain(1, tokenizer.Encode("<s>hello"));
    }

    [Fact]
    public void Save_writes_the_hugging_face_files_and_both_loaders_read_them_back()
    {
        File.WriteAllBytes(Path.Combine(_folder, "tokenizer.model"), LlamaModel());
        Write("special_tokens_map.json", """{"pad_token": "</s>"}""");
        var tokenizer = HfTokenizer.Load(_folder);
        string copy = Path.Combine(_folder, "copy");
        tokenizer.Save(copy);
        Assert.Equal(["special_tokens_map.json", "tokenizer.model"], Directory.GetFiles(copy).Select(Path.GetFileName).Order());
        foreach (var loaded in new[] { HfTokenizer.Load(copy), Tokenizer.Load(copy) })
        {
            Assert.Equal(tokenizer.SpecialTokens, loaded.SpecialTokens);
            Assert.Equal(tokenizer.Encode("hello world é"), loaded.Encode("hello world é"));
        }
        Assert.Equal(2, tokenizer.SpecialTokens.Pad);
    }

    // ---- errors ----

    [Fact]
    public void A_folder_with_only_a_fast_tokenizer_json_is_one_clear_error()
    {
        Write("config.json", "{}");
        Write("tokenizer.json", """{"version": "1.0", "added_tokens": [], "model": {"type": "BPE"}}""");
        var e = Assert.Throws<TokenizerFileException>(() => HfTokenizer.Load(_folder));
        Assert.Equal(_folder, e.FilePath);
        Assert.Contains("config.json, tokenizer.json (a Hugging Face fast tokenizer, which this reader does not read)", e.Message);
        Assert.Contains("vocab.json + merges.txt", e.Message);
        Assert.Contains("vocab.txt", e.Message);
        Assert.Contains("tokenizer.model", e.Message);

        new Gpt2Tokenizer().Save(_folder); // LlmLab's own tokenizer.json: say which loader reads it
        e = Assert.Throws<TokenizerFileException>(() => HfTokenizer.Load(_folder));
        Assert.Contains("LlmLab's own tokenizer file: load it with Tokenizer.Load", e.Message);
    }

    [Fact]
    public void Broken_files_are_named()
    {
        Write("vocab.json", "{}");
        Assert.Contains("merges.txt", Assert.Throws<TokenizerFileException>(() => HfTokenizer.Load(_folder)).Message);
        WriteGpt2Folder();
        Write("merges.txt", "#version: 0.2\nh e\nx y z\n");
        var e = Assert.Throws<TokenizerFileException>(() => HfTokenizer.Load(_folder));
        Assert.Equal(Path.Combine(_folder, "merges.txt"), e.FilePath);
        Assert.Contains("line 3", e.Message);

        File.WriteAllBytes(Path.Combine(_folder, "tokenizer.model"), [0x0a, 0x50, 1, 2]);
        e = Assert.Throws<TokenizerFileException>(() => HfTokenizer.Load(_folder));
        Assert.Equal(Path.Combine(_folder, "tokenizer.model"), e.FilePath);
        Assert.Contains("not a SentencePiece model", e.Message);
        Assert.Throws<TokenizerFileException>(() => HfTokenizer.Load(Path.Combine(_folder, "missing")));
    }
}
