namespace LlmLab.Tokenizers;

/// <summary>
/// Finds added tokens (such as "#Person1#") in text, as Hugging Face's added vocabulary does: at each position the
/// longest token that starts there wins, and the text between matches is left to the model's own encoding. Matching
/// is exact and ordinal: no stripping of spaces around a token, no normalisation.
/// </summary>
public sealed class AddedTokenSplitter
{
    // Longest first, so that "#Person10#" would win over "#Person1#"; equal lengths in ordinal order.
    private readonly string[] _tokens;
    private readonly HashSet<char> _firstCharacters;

    public AddedTokenSplitter(IEnumerable<string> tokens)
    {
        _tokens = [.. tokens.Distinct(StringComparer.Ordinal).OrderByDescending(t => t.Length).ThenBy(t => t, StringComparer.Ordinal)];
        if (_tokens.Any(t => t.Length == 0)) throw new ArgumentException("an added token cannot be empty", nameof(tokens));
        _firstCharacters = [.. _tokens.Select(t => t[0])];
    }

    public IReadOnlyList<string> Tokens => _tokens;

    public bool IsEmpty => _tokens.Length == 0;

    /// <summary>
    /// The text in order as pieces: (text, null) for a stretch between matches, (token, token) for a match. The
    /// pieces' texts joined give the text back.
    /// </summary>
    public IEnumerable<(string Text, string? Token)> Split(string text)
    {
        int start = 0;
        for (int i = 0; i < text.Length; i++)
        {
            if (!_firstCharacters.Contains(text[i])) continue;
            string? match = null;
            foreach (string token in _tokens)
                if (text.AsSpan(i).StartsWith(token, StringComparison.Ordinal))
                {
                    match = token;
                    break;
                }
            if (match is null) continue;
            if (i > start) yield return (text[start..i], null);
            yield return (match, match);
            start = i + match.Length;
            i = start - 1;
        }
        if (start < text.Length) yield return (text[start..], null);
    }
}
