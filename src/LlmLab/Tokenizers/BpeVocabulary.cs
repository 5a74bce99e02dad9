using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using LlmLab.IO;

namespace LlmLab.Tokenizers;

/// <summary>
/// What <see cref="BpeTrainer"/> learned, in ids: 0-255 the bytes (in byte order, as GPT-2's characters), then one
/// token per merge that made a new string, then the added tokens (matched whole in text, never merged), then
/// &lt;|endoftext|&gt; (BOS, EOS and PAD). <see cref="Save"/> writes GPT-2's files, which <see cref="HfTokenizer"/>
/// (and transformers' GPT2Tokenizer) read back.
/// </summary>
public sealed class BpeVocabulary
{
    public const string EndOfText = Gpt2Tokenizer.EndOfTextText;

    private readonly List<string> _tokens;

    internal BpeVocabulary(IReadOnlyList<string> learned, IReadOnlyList<(string Left, string Right)> merges, IReadOnlyList<string> addedTokens)
    {
        _tokens = [.. learned];
        var known = _tokens.ToHashSet(StringComparer.Ordinal);
        // An added token that BPE also learned keeps its learned id (transformers' add_tokens skips it too).
        foreach (string token in addedTokens)
            if (known.Add(token)) _tokens.Add(token);
        if (!known.Add(EndOfText)) throw new ArgumentException($"{EndOfText} cannot be an added token: it is the end-of-text token", nameof(addedTokens));
        _tokens.Add(EndOfText);
        Merges = merges;
        AddedTokens = addedTokens;
    }

    /// <summary>Token strings by id, in GPT-2's byte-level characters ('Ġ' for a space).</summary>
    public IReadOnlyList<string> Tokens => _tokens;

    /// <summary>The merges in the order they were learned (merges.txt's order: earlier merges apply first).</summary>
    public IReadOnlyList<(string Left, string Right)> Merges { get; }

    public IReadOnlyList<string> AddedTokens { get; }

    public int Count => _tokens.Count;

    /// <summary>
    /// vocab.json (token -> id), merges.txt ("#version: 0.2", then "left right" a line) and tokenizer_config.json
    /// (&lt;|endoftext|&gt; as BOS, EOS and PAD; no UNK, since every byte has a token; the added tokens in
    /// added_tokens_decoder, not special, so they are matched in text), each written atomically.
    /// </summary>
    public void Save(string folder)
    {
        Directory.CreateDirectory(folder);
        WriteJson(Path.Combine(folder, "vocab.json"), json =>
        {
            json.WriteStartObject();
            for (int id = 0; id < _tokens.Count; id++) json.WriteNumber(_tokens[id], id);
            json.WriteEndObject();
        });
        var merges = new StringBuilder("#version: 0.2\n");
        foreach (var (left, right) in Merges) merges.Append(left).Append(' ').Append(right).Append('\n');
        AtomicFile.WriteAllBytes(Path.Combine(folder, "merges.txt"), new UTF8Encoding(false).GetBytes(merges.ToString()));
        WriteJson(Path.Combine(folder, "tokenizer_config.json"), json =>
        {
            json.WriteStartObject();
            json.WriteString("tokenizer_class", "GPT2Tokenizer");
            json.WriteBoolean("add_prefix_space", false);
            json.WriteString("bos_token", EndOfText);
            json.WriteString("eos_token", EndOfText);
            json.WriteString("pad_token", EndOfText);
            json.WriteNull("unk_token");
            json.WriteStartObject("added_tokens_decoder");
            foreach (string token in AddedTokens.Append(EndOfText))
            {
                json.WriteStartObject(_tokens.IndexOf(token).ToString(System.Globalization.CultureInfo.InvariantCulture));
                json.WriteString("content", token);
                json.WriteBoolean("lstrip", false);
                json.WriteBoolean("normalized", false);
                json.WriteBoolean("rstrip", false);
                json.WriteBoolean("single_word", false);
                json.WriteBoolean("special", token == EndOfText);
                json.WriteEndObject();
            }
            json.WriteEndObject();
            json.WriteEndObject();
        });
    }

    private static void WriteJson(string path, Action<Utf8JsonWriter> write) => AtomicFile.Write(path, stream =>
    {
        using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        write(json);
    });
}
