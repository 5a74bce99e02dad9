namespace LlmLab.Tokenizers;

/// <summary>
/// The ids of a tokenizer's special tokens; null where the tokenizer has none. Sentinels (T5's &lt;extra_id_i&gt;,
/// for span corruption) count down from the top of the vocabulary: sentinel i = VocabularySize - 1 - i.
/// </summary>
public sealed record SpecialTokens(int VocabularySize, int? Bos, int? Eos, int? Pad, int? Mask, int? Unk, int SentinelCount)
{
    /// <summary>The id of sentinel <paramref name="index"/> (0 .. SentinelCount - 1): VocabularySize - 1 - index.</summary>
    public int Sentinel(int index)
    {
        if ((uint)index >= (uint)SentinelCount)
            throw new ArgumentOutOfRangeException(nameof(index), $"sentinel {index} does not exist: this tokenizer has {SentinelCount} sentinels");
        return VocabularySize - 1 - index;
    }

    public bool IsSentinel(int id) => id >= VocabularySize - SentinelCount && id < VocabularySize;

    /// <summary>Whether <paramref name="id"/> is BOS, EOS, PAD, MASK, UNK or a sentinel.</summary>
    public bool IsSpecial(int id) => id == Bos || id == Eos || id == Pad || id == Mask || id == Unk || IsSentinel(id);
}
