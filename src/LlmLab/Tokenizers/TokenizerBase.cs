using System.Text;

namespace LlmLab.Tokenizers;

/// <summary>
/// What both tokenizers share: decoding splits the ids into runs of ordinary tokens (decoded together, so that a
/// character split over several byte-level tokens comes back whole) and special tokens (dropped or shown).
/// </summary>
public abstract class TokenizerBase : ITokenizer
{
    public abstract string Name { get; }
    public abstract int VocabularySize { get; }
    public abstract SpecialTokens SpecialTokens { get; }
    public abstract int[] Encode(string text);
    public abstract void Save(string folder);

    /// <summary>Text of a run of ordinary (non-special) ids, all inside the vocabulary.</summary>
    protected abstract string DecodeOrdinary(ReadOnlySpan<int> ids);

    /// <summary>How a special id is written when special tokens are shown.</summary>
    protected abstract string SpecialTokenText(int id);

    public string Decode(ReadOnlySpan<int> ids, bool showSpecialTokens = false)
    {
        var specials = SpecialTokens;
        var text = new StringBuilder();
        int runStart = 0;
        for (int i = 0; i < ids.Length; i++)
        {
            int id = ids[i];
            if ((uint)id >= (uint)VocabularySize)
                throw new ArgumentOutOfRangeException(nameof(ids), $"decode: token id {id} at position {i} is outside the {Name} vocabulary [0, {VocabularySize})");
            if (!specials.IsSpecial(id)) continue;
            if (i > runStart) text.Append(DecodeOrdinary(ids[runStart..i]));
            if (showSpecialTokens) text.Append(SpecialTokenText(id));
            runStart = i + 1;
        }
        if (ids.Length > runStart) text.Append(DecodeOrdinary(ids[runStart..]));
        return text.ToString();
    }
}
