using System.Text;
using LlmLab.Tokenizers;

namespace LlmLab.Generation;

/// <summary>
/// Turns generated token ids into text as they come. A BPE token can end in the middle of a multi-byte character,
/// so the streamer decodes everything it has and emits only the new, complete part: text ending in U+FFFD (an
/// unfinished byte sequence) is held back until the next token completes it.
/// </summary>
public sealed class TextStreamer(ITokenizer tokenizer, Action<string> write)
{
    private readonly List<int> _ids = [];
    private int _emitted;

    public void Add(int token)
    {
        _ids.Add(token);
        string text = tokenizer.Decode(_ids.ToArray());
        if (text.EndsWith('\uFFFD') || text.Length <= _emitted) return;
        write(text[_emitted..]);
        _emitted = text.Length;
    }

    /// <summary>Whatever is still held back (an incomplete character at the very end), written as decoded.</summary>
    public void Flush()
    {
        string text = tokenizer.Decode(_ids.ToArray());
        if (text.Length > _emitted) write(text[_emitted..]);
        _emitted = text.Length;
    }

    public string Text => tokenizer.Decode(_ids.ToArray());
}
