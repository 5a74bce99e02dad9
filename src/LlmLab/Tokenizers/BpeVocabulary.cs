using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using LlmLab.IO;

namespace LlmLab.Tokenizers;

/// <summary>
/// What <see cref="BpeTrainer"/> learned, in ids: 0-255 the bytes (in byte order, as GPT-2's characters), then one
/// token per merge that made a new string, then the added tokens (matched whole in text, never merged), then
/// &lt;|endoftext|&gt; (BOS, EOS and PAD), then, when asked for, &lt;mask&gt; and the sentinels &lt;extra_id_n-1&gt; ..
/// &lt;extra_id_0&gt; (so that sentinel i is the vocabulary's size - 1 - i, as T5's). <see cref="Save"/> writes GPT-2's
/// files, which <see cref="HfTokenizer"/> (and transformers' GPT2Tokenizer) read back.
/// </summary>
public sealed class BpeVocabulary
{
    public const string EndOfText = Gpt2Tokenizer.EndOfTextText, MaskToken = "<mask>";

    private readonly List<string> _tokens;

    internal BpeVocabulary(IReadOnlyList<string> learned, IReadOnlyList<(string Left, string Right)> merges, IReadOnlyList<string> addedTokens,
        bool mask = false, int sentinels = 0)
    {
        _tokens = [.. learned];
        var known = _tokens.ToHashSet(StringComparer.Ordinal);
        // An added token that BPE also learned keeps its learned id (transformers' add_tokens skips it too).
        foreach (string token in addedTokens)
            if (known.Add(token)) _tokens.Add(token);
        if (!known.Add(EndOfText)) throw new ArgumentException($"{EndOfText} cannot be an added token: it is the end-of-text token", nameof(addedTokens));
        _tokens.Add(EndOfText);
        string[] special = [.. mask ? [MaskToken] : Array.Empty<string>(), .. Enumerable.Range(0, sentinels).Reverse().Select(Sentinel)];
        foreach (string token in special)
        {
            if (!known.Add(token)) throw new ArgumentException($"{token} cannot be an added token: it is a special token of this vocabulary", nameof(addedTokens));
            _tokens.Add(token);
        }
        Merges = merges;
        AddedTokens = addedTokens;
        HasMask = mask;
        Sentinels = sentinels;
    }

    /// <summary>T5's name for sentinel <paramref name="index"/>.</summary>
    public static string Sentinel(int index) => $"<extra_id_{index}>";

    /// <summary>Token strings by id, in GPT-2's byte-level characters ('Ġ' for a space).</summary>
    public IReadOnlyList<string> Tokens => _tokens;

    /// <summary>The merges in the order they were learned (merges.txt's order: earlier merges apply first).</summary>
    public IReadOnlyList<(string Left, string Right)> Merges { get; }

    public IReadOnlyList<string> AddedTokens { get; }

    public int Count => _tokens.Count;

    /// <summary>Whether the vocabulary has &lt;mask&gt;, for masked-LM pre-training.</summary>
    public bool HasMask { get; }

    /// <summary>How many span-corruption sentinels sit at the top of the vocabulary.</summary>
    public int Sentinels { get; }

    /// <summary>
    /// vocab.json (token -> id), merges.txt ("#version: 0.2", then "left right" a line) and tokenizer_config.json
    /// (&lt;|endoftext|&gt; as BOS, EOS and PAD; no UNK, since every byte has a token; mask_token and extra_ids when
    /// the vocabulary has them; the added tokens in added_tokens_decoder, not special, so they are matched in text,
    /// beside the special ones), each written atomically.
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
            if (HasMask) json.WriteString("mask_token", MaskToken);
            if (Sentinels > 0) json.WriteNumber("extra_ids", Sentinels);
            json.WriteStartObject("added_tokens_decoder");
            int firstSpecial = _tokens.IndexOf(EndOfText);
            foreach (string token in AddedTokens.Concat(_tokens.Skip(firstSpecial)))
            {
                json.WriteStartObject(_tokens.IndexOf(token).ToString(System.Globalization.CultureInfo.InvariantCulture));
                json.WriteString("content", token);
                json.WriteBoolean("lstrip", false);
                json.WriteBoolean("normalized", false);
                json.WriteBoolean("rstrip", false);
                json.WriteBoolean("single_word", false);
                json.WriteBoolean("special", _tokens.IndexOf(token) >= firstSpecial);
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
