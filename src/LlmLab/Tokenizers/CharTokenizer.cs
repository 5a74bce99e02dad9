using System.Text;
using System.Text.Json;

namespace LlmLab.Tokenizers;

/// <summary>
/// One token per Unicode code point (a surrogate pair is one character). The vocabulary is the corpus's distinct
/// code points sorted by value, so it does not depend on the order of the corpus; the special tokens follow in a
/// fixed order - UNK, PAD, BOS, EOS, MASK - and the sentinels come last, counted down from the top as T5 does
/// (sentinel 0 = VocabularySize - 1). Characters outside the vocabulary encode as UNK; a lone surrogate counts as
/// U+FFFD (the replacement character), both when building and when encoding.
/// </summary>
public sealed class CharTokenizer : TokenizerBase
{
    public const string Kind = "char";

    private static readonly string[] SpecialNames = ["unk", "pad", "bos", "eos", "mask"];

    private readonly int[] _codePoints;
    private readonly Dictionary<int, int> _ids;

    private CharTokenizer(int[] codePoints, int sentinelCount)
    {
        _codePoints = codePoints;
        _ids = new Dictionary<int, int>(codePoints.Length);
        for (int id = 0; id < codePoints.Length; id++) _ids.Add(codePoints[id], id);
        int n = codePoints.Length;
        VocabularySize = n + SpecialNames.Length + sentinelCount;
        SpecialTokens = new SpecialTokens(VocabularySize, Bos: n + 2, Eos: n + 3, Pad: n + 1, Mask: n + 4, Unk: n, sentinelCount);
    }

    public override string Name => Kind;
    public override int VocabularySize { get; }
    public override SpecialTokens SpecialTokens { get; }

    /// <summary>Number of ordinary tokens (characters); their ids are 0 .. CharacterCount - 1.</summary>
    public int CharacterCount => _codePoints.Length;

    /// <summary>A vocabulary of every distinct code point in <paramref name="corpus"/>, with
    /// <paramref name="sentinels"/> sentinels (0 for GPT-style training, e.g. 100 for T5 span corruption).</summary>
    public static CharTokenizer Build(IEnumerable<string> corpus, int sentinels = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(sentinels);
        var seen = new HashSet<int>();
        foreach (string text in corpus)
            foreach (var rune in text.EnumerateRunes())
                seen.Add(rune.Value);
        int[] codePoints = seen.ToArray();
        Array.Sort(codePoints);
        return new CharTokenizer(codePoints, sentinels);
    }

    public static CharTokenizer Build(string corpus, int sentinels = 0) => Build([corpus], sentinels);

    public override int[] Encode(string text)
    {
        var ids = new List<int>(text.Length);
        int unk = SpecialTokens.Unk!.Value;
        foreach (var rune in text.EnumerateRunes())
            ids.Add(_ids.TryGetValue(rune.Value, out int id) ? id : unk);
        return ids.ToArray();
    }

    protected override string DecodeOrdinary(ReadOnlySpan<int> ids)
    {
        var text = new StringBuilder(ids.Length);
        foreach (int id in ids) text.Append(new Rune(_codePoints[id]));
        return text.ToString();
    }

    protected override string SpecialTokenText(int id) =>
        SpecialTokens.IsSentinel(id) ? $"<extra_id_{VocabularySize - 1 - id}>" : $"<{SpecialNames[id - CharacterCount]}>";

    public override void Save(string folder) => TokenizerFile.Write(folder, json =>
    {
        json.WriteString("kind", Kind);
        json.WriteNumber("version", TokenizerFile.Version);
        json.WriteStartArray("characters");
        foreach (int c in _codePoints) json.WriteStringValue(new Rune(c).ToString());
        json.WriteEndArray();
        // Redundant with the layout, written so a reader of the file sees the ids; checked on load.
        json.WriteStartObject("special_tokens");
        for (int i = 0; i < SpecialNames.Length; i++) json.WriteNumber(SpecialNames[i], CharacterCount + i);
        json.WriteEndObject();
        json.WriteNumber("sentinels", SpecialTokens.SentinelCount);
    });

    internal static CharTokenizer FromJson(JsonElement root, string path)
    {
        TokenizerFile.CheckFields(root, path, "kind", "version", "characters", "special_tokens", "sentinels");
        if (root.GetProperty("characters") is not { ValueKind: JsonValueKind.Array } characters)
            throw new TokenizerFileException(path, "\"characters\" must be an array of one-character strings");
        var codePoints = new int[characters.GetArrayLength()];
        int at = 0;
        foreach (var element in characters.EnumerateArray())
        {
            string? text = element.ValueKind == JsonValueKind.String ? element.GetString() : null;
            if (text is null || Rune.DecodeFromUtf16(text, out var rune, out int used) != System.Buffers.OperationStatus.Done || used != text.Length)
                throw new TokenizerFileException(path, $"\"characters\"[{at}] must be a string of exactly one Unicode character, got {element.GetRawText()}");
            if (at > 0 && rune.Value <= codePoints[at - 1])
                throw new TokenizerFileException(path, $"\"characters\" must be distinct and sorted by code point: [{at}] U+{rune.Value:X4} follows U+{codePoints[at - 1]:X4}");
            codePoints[at++] = rune.Value;
        }
        int sentinels = TokenizerFile.Int(root, "sentinels", path);
        if (sentinels < 0) throw new TokenizerFileException(path, $"\"sentinels\" must not be negative, got {sentinels}");

        var specials = root.GetProperty("special_tokens");
        string expected = string.Join(", ", SpecialNames.Select((name, i) => $"{name} = {codePoints.Length + i}"));
        if (specials.ValueKind != JsonValueKind.Object || specials.EnumerateObject().Count() != SpecialNames.Length
            || SpecialNames.Select((name, i) => (name, i)).Any(s => !specials.TryGetProperty(s.name, out var id) || id.ValueKind != JsonValueKind.Number
                                                                    || !id.TryGetInt32(out int value) || value != codePoints.Length + s.i))
            throw new TokenizerFileException(path, $"\"special_tokens\" must be {{ {expected} }} (they follow the {codePoints.Length} characters), got {specials.GetRawText()}");
        return new CharTokenizer(codePoints, sentinels);
    }
}
