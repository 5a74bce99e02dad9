using LlmLab.Tokenizers;

namespace LlmLab.Tests.Tokenizers;

/// <summary>tokenizer.json: save/load round trips for both kinds, atomic writes, and one clear error naming the file
/// for each kind of broken file.</summary>
public sealed class TokenizerFileTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("llmlab-tokenizer-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string FilePath => Path.Combine(_folder, Tokenizer.FileName);

    [Fact]
    public void A_char_tokenizer_round_trips_through_its_file()
    {
        string corpus = "Hello, wörld! 🎉 日本\n\t\"quoted\" \\ back\\slash \u0001";
        var saved = CharTokenizer.Build(corpus, sentinels: 5);
        saved.Save(_folder);
        var loaded = Assert.IsType<CharTokenizer>(Tokenizer.Load(_folder));
        Assert.Equal(saved.VocabularySize, loaded.VocabularySize);
        Assert.Equal(saved.SpecialTokens, loaded.SpecialTokens);
        Assert.Equal(saved.Encode(corpus + "?"), loaded.Encode(corpus + "?"));
        Assert.Equal(corpus, loaded.Decode(loaded.Encode(corpus)));
        Assert.Contains("\"kind\": \"char\"", File.ReadAllText(FilePath));
        Assert.Equal([Tokenizer.FileName], Directory.GetFiles(_folder).Select(Path.GetFileName)); // no temporary left
    }

    [Fact]
    public void Saving_twice_overwrites_and_builds_the_same_bytes_whatever_the_corpus_order()
    {
        CharTokenizer.Build(["xyz", "abc"]).Save(_folder);
        byte[] first = File.ReadAllBytes(FilePath);
        CharTokenizer.Build(["cba", "zyx"]).Save(_folder);
        Assert.Equal(first, File.ReadAllBytes(FilePath));
        new Gpt2Tokenizer().Save(_folder);
        Assert.IsType<Gpt2Tokenizer>(Tokenizer.Load(_folder));
    }

    [Fact]
    public void A_gpt2_tokenizer_round_trips_through_its_file()
    {
        new Gpt2Tokenizer().Save(Path.Combine(_folder, "model"));
        var loaded = Tokenizer.Load(Path.Combine(_folder, "model"));
        Assert.Equal("gpt2", loaded.Name);
        Assert.Equal([15496, 995], loaded.Encode("Hello world"));
    }

    [Theory]
    [InlineData("{\"kind\": \"char\", \"version\": 1, \"charact", "not valid JSON")]
    [InlineData("[1, 2]", "expected a JSON object")]
    [InlineData("{\"version\": 1}", "\"kind\" must be a string")]
    [InlineData("{\"kind\": \"sentencepiece\", \"version\": 1}", "unknown tokenizer kind \"sentencepiece\"")]
    [InlineData("{\"kind\": \"gpt2\", \"version\": 2}", "unsupported version 2")]
    [InlineData("{\"kind\": \"gpt2\", \"version\": 1, \"merges\": []}", "unknown key \"merges\"")]
    [InlineData("{\"kind\": \"char\", \"version\": 1, \"characters\": [\"a\"], \"sentinels\": 0}", "missing key \"special_tokens\"")]
    [InlineData("{\"kind\": \"char\", \"version\": 1, \"characters\": [\"b\", \"a\"], \"special_tokens\": {}, \"sentinels\": 0}", "sorted by code point")]
    [InlineData("{\"kind\": \"char\", \"version\": 1, \"characters\": [\"ab\"], \"special_tokens\": {}, \"sentinels\": 0}", "\"characters\"[0] must be a string of exactly one")]
    [InlineData("{\"kind\": \"char\", \"version\": 1, \"characters\": [\"a\"], \"special_tokens\": {}, \"sentinels\": -1}", "must not be negative")]
    [InlineData("{\"kind\": \"char\", \"version\": 1, \"characters\": [\"a\"], \"special_tokens\": {\"unk\": 1, \"pad\": 2, \"bos\": 3, \"eos\": 4, \"mask\": 6}, \"sentinels\": 0}", "\"special_tokens\" must be { unk = 1, pad = 2, bos = 3, eos = 4, mask = 5 }")]
    public void A_broken_file_gives_one_error_naming_the_file(string content, string problem)
    {
        File.WriteAllText(FilePath, content);
        var e = Assert.Throws<TokenizerFileException>(() => Tokenizer.Load(_folder));
        Assert.Equal(FilePath, e.FilePath);
        Assert.StartsWith(FilePath + ": ", e.Message);
        Assert.Contains(problem, e.Message);
    }

    [Fact]
    public void A_missing_file_gives_an_error_naming_the_file()
    {
        var e = Assert.Throws<TokenizerFileException>(() => Tokenizer.Load(_folder));
        Assert.Contains(FilePath, e.Message);
        Assert.Contains("cannot read", e.Message);
    }
}
