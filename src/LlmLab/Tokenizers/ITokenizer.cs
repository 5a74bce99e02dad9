namespace LlmLab.Tokenizers;

/// <summary>
/// Text to token ids and back. Plain-text encoding never yields a special token, not even for text that spells one
/// ("&lt;bos&gt;", "&lt;|endoftext|&gt;" are encoded as ordinary characters/bytes): special ids enter a sequence only
/// through <see cref="TokenizerExtensions.EncodeWithSpecials"/> or by their ids from <see cref="SpecialTokens"/>.
/// The one exception is the character tokenizer's UNK, which stands for characters outside its vocabulary.
/// </summary>
public interface ITokenizer
{
    /// <summary>The kind saved in tokenizer.json: "char" or "gpt2".</summary>
    string Name { get; }

    /// <summary>Number of ids, special tokens included: ids are 0 .. VocabularySize - 1.</summary>
    int VocabularySize { get; }

    SpecialTokens SpecialTokens { get; }

    /// <summary>Plain text to ids; never adds BOS/EOS (see <see cref="TokenizerExtensions.EncodeWithSpecials"/>).</summary>
    int[] Encode(string text);

    /// <summary>Ids to text. Special tokens are dropped, or written as their text ("&lt;eos&gt;",
    /// "&lt;|endoftext|&gt;", "&lt;extra_id_0&gt;") when <paramref name="showSpecialTokens"/> is set. An id outside
    /// the vocabulary throws <see cref="ArgumentOutOfRangeException"/>.</summary>
    string Decode(ReadOnlySpan<int> ids, bool showSpecialTokens = false);

    /// <summary>Writes tokenizer.json into <paramref name="folder"/> (created if missing), atomically, so that
    /// <see cref="Tokenizer.Load"/> gives the same tokenizer back.</summary>
    void Save(string folder);
}
