namespace LlmLab.Evaluation;

/// <summary>
/// rouge_score's default tokenizer: lowercase (Python's <c>str.lower</c>), every run of characters outside
/// [a-z0-9] becomes a separator ("café" -> "caf", "don't" -> "don", "t"), optional Porter stemming
/// (<see cref="PorterStemmer"/>, NLTK's variant) of tokens longer than three characters.
/// Python's lowercasing turns exactly two non-ASCII characters into ASCII: U+0130 (İ -> "i" + a combining dot,
/// so it ends the token after the "i") and U+212A (Kelvin sign -> "k"); both are handled the same way here.
/// </summary>
public static class RougeTokenizer
{
    // Stems are pure functions of the token: a per-thread cache makes stemming nearly free on real text.
    [ThreadStatic] private static Dictionary<string, string>? StemCache;
    private const int StemCacheLimit = 200_000;

    /// <summary>The tokens of <paramref name="text"/>.</summary>
    public static List<string> Tokenize(string text, bool useStemmer = false)
    {
        var tokens = new List<string>();
        Tokenize(text, useStemmer, tokens);
        return tokens;
    }

    /// <summary>Appends the tokens of <paramref name="text"/> to <paramref name="tokens"/>.</summary>
    public static void Tokenize(ReadOnlySpan<char> text, bool useStemmer, List<string> tokens)
    {
        Span<char> small = stackalloc char[256];
        Span<char> buffer = text.Length <= small.Length ? small : new char[text.Length];
        int length = 0;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            char mapped = c switch
            {
                >= 'a' and <= 'z' or >= '0' and <= '9' => c,
                >= 'A' and <= 'Z' => (char)(c + ('a' - 'A')),
                '\u212A' => 'k',
                '\u0130' => 'i',
                _ => '\0',
            };
            if (mapped != '\0') buffer[length++] = mapped;
            if (mapped == '\0' || c == '\u0130')
            {
                Emit(buffer[..length], useStemmer, tokens);
                length = 0;
            }
        }
        Emit(buffer[..length], useStemmer, tokens);
    }

    private static void Emit(ReadOnlySpan<char> token, bool useStemmer, List<string> tokens)
    {
        if (token.IsEmpty) return;
        string word = token.ToString();
        if (useStemmer && word.Length > 3) word = CachedStem(word);
        if (word.Length > 0) tokens.Add(word);
    }

    private static string CachedStem(string word)
    {
        var cache = StemCache ??= new Dictionary<string, string>(StringComparer.Ordinal);
        if (cache.TryGetValue(word, out string? stem)) return stem;
        stem = PorterStemmer.Stem(word);
        if (cache.Count < StemCacheLimit) cache[word] = stem;
        return stem;
    }
}
