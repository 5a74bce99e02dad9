namespace LlmLab.Data;

/// <summary>The bits of English the templates need.</summary>
internal static class Phrase
{
    public static string Capitalized(string s) => s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s[1..];

    /// <summary>"a teacher", "an accountant" (by first letter, enough for the vocabularies here).</summary>
    public static string WithArticle(string noun) => ("aeiou".Contains(char.ToLowerInvariant(noun[0])) ? "an " : "a ") + noun;
}
