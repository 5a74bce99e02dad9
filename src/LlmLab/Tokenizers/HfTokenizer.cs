using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using LlmLab.IO;
using Microsoft.ML.Tokenizers;

namespace LlmLab.Tokenizers;

/// <summary>
/// A tokenizer saved by Hugging Face, read from the files its "slow" tokenizers use, through Microsoft.ML.Tokenizers:
/// <list type="bullet">
/// <item>vocab.json + merges.txt: byte-level BPE as GPT-2 (and RoBERTa): GPT-2's pre-tokenising pattern, then BPE
/// over the bytes; add_prefix_space from tokenizer_config.json puts a space in front as transformers does.</item>
/// <item>vocab.txt: WordPiece as BERT, lower-cased (and accents stripped) when tokenizer_config.json's do_lower_case
/// is true or absent (transformers' default), strip_accents and tokenize_chinese_chars as there.</item>
/// <item>tokenizer.model or spiece.model: SentencePiece, BPE (Llama) or Unigram (T5), with the model's normaliser.</item>
/// </list>
/// Special tokens come from special_tokens_map.json, else tokenizer_config.json, else the model's defaults
/// (SentencePiece's trainer ids; GPT-2's &lt;|endoftext|&gt; as BOS, EOS and UNK; BERT's [PAD] [UNK] [MASK]).
/// BERT has no BOS/EOS: [CLS] and [SEP], what it wraps a sequence in, take their places. T5's &lt;extra_id_i&gt;
/// (extra_ids, or additional_special_tokens) are the sentinels, counted down from the top of the vocabulary.
/// As every <see cref="ITokenizer"/>, <see cref="Encode"/> never yields a special token (no BOS, no EOS, and text
/// that spells one is ordinary text); <see cref="Decode"/> with special tokens hidden drops them and decodes the rest
/// together (transformers' skip_special_tokens). Added tokens that are not special (added_tokens_decoder's
/// "special": false, or added_tokens.json entries that fill no special role), such as a dialogue's "#Person1#", are
/// matched whole in the text as transformers does (<see cref="AddedTokenSplitter"/>); special ones never are, as with
/// transformers' split_special_tokens. Not read: HF's "fast" tokenizer.json alone (a clear error says so).
/// </summary>
public sealed partial class HfTokenizer : ITokenizer
{
    public const string BpeKind = "hf-bpe", WordPieceKind = "hf-wordpiece", SentencePieceKind = "hf-sentencepiece";

    private const string VocabJson = "vocab.json", MergesTxt = "merges.txt", VocabTxt = "vocab.txt";
    private static readonly string[] SentencePieceFiles = ["tokenizer.model", "spiece.model"];

    private readonly Microsoft.ML.Tokenizers.Tokenizer _inner;
    private readonly Func<string, int[]> _encode;
    private readonly Func<IReadOnlyList<int>, bool, string> _decode;
    private readonly Dictionary<int, string> _specialText;
    private readonly Dictionary<int, string> _addedText;
    private readonly IReadOnlyList<(string Name, byte[] Bytes)> _files;

    private HfTokenizer(string name, Microsoft.ML.Tokenizers.Tokenizer inner, Func<string, int[]> encode, Func<IReadOnlyList<int>, bool, string> decode,
                        SpecialTokens specials, Dictionary<int, string> specialText, Dictionary<int, string> addedText, IReadOnlyList<(string, byte[])> files)
    {
        Name = name;
        _inner = inner;
        _encode = encode;
        _decode = decode;
        SpecialTokens = specials;
        _specialText = specialText;
        _addedText = addedText;
        _files = files;
    }

    /// <summary>"hf-bpe", "hf-wordpiece" or "hf-sentencepiece".</summary>
    public string Name { get; }
    public int VocabularySize => SpecialTokens.VocabularySize;
    public SpecialTokens SpecialTokens { get; }

    /// <summary>The Microsoft.ML.Tokenizers tokenizer underneath (BpeTokenizer, BertTokenizer or SentencePieceTokenizer).</summary>
    public Microsoft.ML.Tokenizers.Tokenizer Inner => _inner;

    /// <summary>
    /// The tokenizer in a Hugging Face model folder, chosen by the files present: tokenizer.model / spiece.model
    /// (SentencePiece), else vocab.json + merges.txt (byte-level BPE), else vocab.txt (WordPiece). A folder with none
    /// of them - only HF's tokenizer.json, say - or a file that cannot be read throws one
    /// <see cref="TokenizerFileException"/> naming what it found and what it reads.
    /// </summary>
    public static ITokenizer Load(string folder)
    {
        if (!Directory.Exists(folder)) throw new TokenizerFileException(folder, "no such folder");
        var config = HfTokenizerConfig.Read(folder);
        if (SentencePieceFiles.FirstOrDefault(f => File.Exists(Path.Combine(folder, f))) is { } modelFile)
            return LoadSentencePiece(folder, modelFile, config);
        if (File.Exists(Path.Combine(folder, VocabJson)))
            return File.Exists(Path.Combine(folder, MergesTxt))
                ? LoadBpe(folder, config)
                : throw new TokenizerFileException(folder, $"{VocabJson} without {MergesTxt}: a byte-level BPE tokenizer needs both");
        if (File.Exists(Path.Combine(folder, VocabTxt))) return LoadWordPiece(folder, config);
        throw new TokenizerFileException(folder, $"no tokenizer that this reader understands. Found: {Describe(folder)}. HfTokenizer reads "
            + $"{VocabJson} + {MergesTxt} (byte-level BPE, as GPT-2), {VocabTxt} (WordPiece, as BERT) or {string.Join(" / ", SentencePieceFiles)} "
            + $"(SentencePiece, as Llama and T5), with {HfTokenizerConfig.ConfigFile} / {HfTokenizerConfig.SpecialTokensMapFile} for the special tokens");
    }

    /// <summary>Whether <paramref name="folder"/> holds a tokenizer <see cref="Load"/> reads.</summary>
    public static bool HasFiles(string folder) =>
        SentencePieceFiles.Append(VocabJson).Append(VocabTxt).Any(f => File.Exists(Path.Combine(folder, f)));

    public int[] Encode(string text) => _encode(text);

    public string Decode(ReadOnlySpan<int> ids, bool showSpecialTokens = false)
    {
        var parts = new List<string>();
        var run = new List<int>();
        for (int i = 0; i < ids.Length; i++)
        {
            int id = ids[i];
            if ((uint)id >= (uint)VocabularySize)
                throw new ArgumentOutOfRangeException(nameof(ids), $"decode: token id {id} at position {i} is outside the {Name} vocabulary [0, {VocabularySize})");
            bool special = SpecialTokens.IsSpecial(id);
            if (special && !showSpecialTokens) continue;
            if (special || _addedText.ContainsKey(id))
            {
                if (run.Count > 0) parts.Add(_decode(run, parts.Count > 0));
                run.Clear();
                parts.Add(special ? _specialText[id] : _addedText[id]);
            }
            else run.Add(id);
        }
        if (run.Count > 0) parts.Add(_decode(run, parts.Count > 0));
        // WordPiece text is words with spaces between; the others carry their spaces inside the tokens.
        return string.Join(Name == WordPieceKind ? " " : "", parts);
    }

    /// <summary>Writes the Hugging Face files it was read from into <paramref name="folder"/> (atomically, each), so
    /// <see cref="Load"/> - and transformers - read the same tokenizer back.</summary>
    public void Save(string folder)
    {
        foreach (var (name, bytes) in _files) AtomicFile.WriteAllBytes(Path.Combine(folder, name), bytes);
    }

    private static HfTokenizer LoadBpe(string folder, HfTokenizerConfig config)
    {
        string vocabPath = Path.Combine(folder, VocabJson), mergesPath = Path.Combine(folder, MergesTxt);
        byte[] vocabBytes = ReadBytes(vocabPath), mergesBytes = ReadBytes(mergesPath);
        var vocabulary = new Dictionary<string, int>();
        try
        {
            using var document = JsonDocument.Parse(vocabBytes);
            if (document.RootElement.ValueKind != JsonValueKind.Object) throw new TokenizerFileException(vocabPath, "expected a JSON object of token -> id");
            foreach (var entry in document.RootElement.EnumerateObject())
                vocabulary[entry.Name] = entry.Value.ValueKind == JsonValueKind.Number && entry.Value.TryGetInt32(out int id) && id >= 0
                    ? id
                    : throw new TokenizerFileException(vocabPath, $"token \"{entry.Name}\" must map to a non-negative id, got {entry.Value.GetRawText()}");
        }
        catch (JsonException e) { throw new TokenizerFileException(vocabPath, $"not valid JSON ({e.Message})", e); }
        if (vocabulary.Count == 0) throw new TokenizerFileException(vocabPath, "the vocabulary is empty");

        // merges.txt: an optional "#version" line, then one "left right" pair a line, in merge order.
        var merges = new List<string>();
        int lineNumber = 0;
        foreach (string line in new UTF8Encoding(false).GetString(mergesBytes).Split('\n'))
        {
            lineNumber++;
            string pair = line.TrimEnd('\r');
            if (pair.Length == 0 || (lineNumber == 1 && pair.StartsWith("#version", StringComparison.Ordinal))) continue;
            if (pair.Split(' ') is not [{ Length: > 0 } left, { Length: > 0 } right])
                throw new TokenizerFileException(mergesPath, $"line {lineNumber} must be two tokens separated by one space, got \"{pair}\"");
            if (!vocabulary.ContainsKey(left + right))
                throw new TokenizerFileException(mergesPath, $"line {lineNumber} merges \"{left}\" and \"{right}\", but \"{left + right}\" is not in {VocabJson}");
            merges.Add(pair);
        }

        BpeTokenizer bpe;
        try { bpe = BpeTokenizer.Create(new BpeOptions(vocabulary) { Merges = merges, ByteLevel = true }); }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or FormatException)
        {
            throw new TokenizerFileException(vocabPath, $"Microsoft.ML.Tokenizers refused the BPE vocabulary ({e.Message})", e);
        }
        int[] Encode(string text)
        {
            var ids = new List<int>(text.Length / 3 + 1);
            // The pieces are encoded without the library's pre-tokeniser, which drops spaces (GPT-2 keeps them).
            foreach (var piece in Gpt2Tokenizer.Gpt2Pattern().EnumerateMatches(text))
                ids.AddRange(bpe.EncodeToIds(text.AsSpan(piece.Index, piece.Length), considerPreTokenization: false, considerNormalization: false));
            return [.. ids];
        }

        const string endOfText = Gpt2Tokenizer.EndOfTextText;
        string? gpt2Default = vocabulary.ContainsKey(endOfText) ? endOfText : null;
        var defaults = new Dictionary<string, string?> { ["bos"] = gpt2Default, ["eos"] = gpt2Default, ["unk"] = gpt2Default };
        int baseSize = vocabulary.Values.Max() + 1;
        // add_prefix_space puts one space in front of the whole text, before added tokens are found (transformers' slow GPT2Tokenizer).
        string prefix = config.Bool("add_prefix_space") ?? false ? " " : "";
        return Build(BpeKind, bpe, Encode, (ids, _) => bpe.Decode(ids), vocabulary, baseSize, defaults, config, vocabPath,
                     [(VocabJson, vocabBytes), (MergesTxt, mergesBytes)], prefix);
    }

    private static HfTokenizer LoadWordPiece(string folder, HfTokenizerConfig config)
    {
        string vocabPath = Path.Combine(folder, VocabTxt);
        byte[] vocabBytes = ReadBytes(vocabPath);
        var vocabulary = new Dictionary<string, int>();
        string[] lines = new UTF8Encoding(false).GetString(vocabBytes).Split('\n');
        int count = lines[^1].Length == 0 ? lines.Length - 1 : lines.Length; // a final newline ends the last token
        for (int id = 0; id < count; id++) vocabulary.TryAdd(lines[id].TrimEnd('\r'), id);
        if (count == 0) throw new TokenizerFileException(vocabPath, "the vocabulary is empty");

        // transformers' BertTokenizer defaults.
        var defaults = new Dictionary<string, string?> { ["unk"] = "[UNK]", ["pad"] = "[PAD]", ["mask"] = "[MASK]", ["cls"] = "[CLS]", ["sep"] = "[SEP]" };
        string Token(string role) => config.TryGetToken(role, out string? token, out _) && token is not null ? token : defaults[role]!;
        bool lowerCase = config.Bool("do_lower_case") ?? true;
        var options = new BertOptions
        {
            LowerCaseBeforeTokenization = lowerCase,
            RemoveNonSpacingMarks = config.Bool("strip_accents") ?? lowerCase,
            IndividuallyTokenizeCjk = config.Bool("tokenize_chinese_chars") ?? true,
            SplitOnSpecialTokens = false, // text that spells "[MASK]" stays text (ITokenizer's rule)
            UnknownToken = Token("unk"), PaddingToken = Token("pad"), MaskingToken = Token("mask"),
            ClassificationToken = Token("cls"), SeparatorToken = Token("sep"),
        };
        BertTokenizer bert;
        try
        {
            using var stream = new MemoryStream(vocabBytes);
            bert = BertTokenizer.Create(stream, options);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or FormatException)
        {
            throw new TokenizerFileException(vocabPath, $"Microsoft.ML.Tokenizers refused the WordPiece vocabulary ({e.Message})", e);
        }
        // BERT has no BOS/EOS: [CLS] and [SEP], what it wraps a sequence in, take their places unless a file names them.
        defaults["bos"] = Token("cls");
        defaults["eos"] = Token("sep");
        return Build(WordPieceKind, bert, text => [.. bert.EncodeToIds(text, addSpecialTokens: false)], (ids, _) => bert.Decode(ids, skipSpecialTokens: false),
                     vocabulary, count, defaults, config, vocabPath, [(VocabTxt, vocabBytes)]);
    }

    private static HfTokenizer LoadSentencePiece(string folder, string fileName, HfTokenizerConfig config)
    {
        string path = Path.Combine(folder, fileName);
        byte[] bytes = ReadBytes(path);
        var model = SentencePieceModelFile.Read(bytes, path);
        SentencePieceTokenizer sentencePiece;
        try
        {
            using var stream = new MemoryStream(model.ForLibrary());
            sentencePiece = SentencePieceTokenizer.Create(stream, addBeginningOfSentence: false, addEndOfSentence: false);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or FormatException or IndexOutOfRangeException)
        {
            throw new TokenizerFileException(path, $"Microsoft.ML.Tokenizers refused the SentencePiece model ({e.Message})", e);
        }
        var vocabulary = new Dictionary<string, int>();
        for (int id = 0; id < model.Pieces.Count; id++) vocabulary.TryAdd(model.Pieces[id], id);
        var defaults = new Dictionary<string, string?>
        {
            ["unk"] = model.PieceOrNull(model.UnkId), ["bos"] = model.PieceOrNull(model.BosId),
            ["eos"] = model.PieceOrNull(model.EosId), ["pad"] = model.PieceOrNull(model.PadId),
        };
        return Build(SentencePieceKind, sentencePiece,
                     text => [.. sentencePiece.EncodeToIds(text, addBeginningOfSentence: false, addEndOfSentence: false)],
                     // The library drops the space of a leading "▁" (the dummy prefix); after a shown special token it is a real space.
                     (ids, continues) => (continues && model.Pieces[ids[0]].StartsWith('▁') ? " " : "") + sentencePiece.Decode(ids, considerSpecialTokens: false),
                     vocabulary, model.Pieces.Count, defaults, config, path, [(fileName, bytes)]);
    }

    /// <summary>Resolves the special tokens and the added tokens over the base vocabulary, then builds the tokenizer.</summary>
    private static HfTokenizer Build(string name, Microsoft.ML.Tokenizers.Tokenizer inner, Func<string, int[]> encode, Func<IReadOnlyList<int>, bool, string> decode,
                                     Dictionary<string, int> vocabulary, int baseSize, Dictionary<string, string?> defaults,
                                     HfTokenizerConfig config, string modelPath, List<(string, byte[])> modelFiles, string textPrefix = "")
    {
        var added = new Dictionary<string, int>();
        var addedText = new Dictionary<int, string>();
        foreach (var (id, content) in config.AddedTokens.OrderBy(t => t.Key))
        {
            if (vocabulary.TryGetValue(content, out int existing) && existing == id) continue;
            added.TryAdd(content, id);
            addedText[id] = content;
        }
        int? Lookup(string token) => vocabulary.TryGetValue(token, out int id) ? id : added.TryGetValue(token, out id) ? id : null;
        int size = Math.Max(baseSize, addedText.Count == 0 ? 0 : addedText.Keys.Max() + 1);

        var specialText = new Dictionary<int, string>();
        int? Role(string role)
        {
            if (config.TryGetToken(role, out string? token, out string source))
            {
                if (token is null) return null;
                int id = Lookup(token) ?? throw new TokenizerFileException(source, $"{role}_token \"{token}\" is in neither the vocabulary ({Path.GetFileName(modelPath)}) nor the added tokens");
                specialText[id] = token;
                return id;
            }
            if (defaults.GetValueOrDefault(role) is { } fallback && Lookup(fallback) is int defaultId)
            {
                specialText[defaultId] = fallback;
                return defaultId;
            }
            return null;
        }
        int? bos = Role("bos"), eos = Role("eos"), pad = Role("pad"), mask = Role("mask"), unk = Role("unk");

        // T5's sentinels: extra_ids n, or the <extra_id_i> among the additional special tokens. Found nowhere, they sit
        // above everything else, as transformers' T5Tokenizer puts them (sentinel 0 = the last id).
        int sentinels = config.Int("extra_ids") ?? config.AdditionalSpecialTokens().Count(t => SentinelPattern().IsMatch(t));
        if (sentinels > 0)
        {
            var ids = Enumerable.Range(0, sentinels).Select(i => Lookup($"<extra_id_{i}>")).ToArray();
            if (ids.All(id => id is null)) size += sentinels;
            for (int i = 0; i < sentinels; i++)
            {
                int expected = size - 1 - i;
                if (ids[i] is int id && id != expected)
                    throw new TokenizerFileException(modelPath, $"<extra_id_{i}> has id {id}, but sentinels must count down from the top of the vocabulary ({size} ids): expected {expected}");
                specialText[expected] = $"<extra_id_{i}>";
                addedText.Remove(expected);
            }
        }
        var specials = new SpecialTokens(size, bos, eos, pad, mask, unk, sentinels);

        // The added tokens matched in text: not marked special, filling no special role.
        var additional = config.AdditionalSpecialTokens().ToHashSet(StringComparer.Ordinal);
        var matched = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (id, content) in config.AddedTokens.OrderBy(t => t.Key))
            if (!config.SpecialAddedTokens.Contains(id) && !specials.IsSpecial(id) && !additional.Contains(content) && id < size)
                matched.TryAdd(content, id);
        var splitter = new AddedTokenSplitter(matched.Keys);
        Func<string, int[]> encodeText = splitter.IsEmpty && textPrefix.Length == 0 ? encode : text =>
        {
            var ids = new List<int>(text.Length / 3 + 1);
            foreach (var (piece, token) in splitter.Split(textPrefix + text))
                if (token is null) ids.AddRange(encode(piece));
                else ids.Add(matched[token]);
            return [.. ids];
        };
        return new HfTokenizer(name, inner, encodeText, decode, specials, specialText, addedText, [.. modelFiles, .. config.Files]);
    }

    private static byte[] ReadBytes(string path)
    {
        try { return File.ReadAllBytes(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TokenizerFileException(path, $"cannot read the file ({e.Message})", e);
        }
    }

    /// <summary>The folder's files, with a word on a tokenizer.json (HF's fast tokenizer, or LlmLab's own).</summary>
    private static string Describe(string folder)
    {
        var names = Directory.EnumerateFiles(folder).Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal).ToList();
        if (names.Count == 0) return "an empty folder";
        return string.Join(", ", names.Select(n => n == TokenizerFile.FileName ? $"{n} ({DescribeTokenizerJson(Path.Combine(folder, n))})" : n));
    }

    private static string DescribeTokenizerJson(string path)
    {
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(path));
            var root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("kind", out _))
                return "LlmLab's own tokenizer file: load it with Tokenizer.Load";
            if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("model", out _))
                return "a Hugging Face fast tokenizer, which this reader does not read";
        }
        catch (Exception e) when (e is JsonException or IOException) { }
        return "not a tokenizer file this reader knows";
    }

    [GeneratedRegex(@"^<extra_id_\d+>$")]
    private static partial Regex SentinelPattern();
}
