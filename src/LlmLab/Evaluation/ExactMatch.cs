using System.Text;

namespace LlmLab.Evaluation;

/// <summary>How strings are normalised before an exact-match comparison.</summary>
public enum ExactMatchNormalization
{
    /// <summary>Compare the strings as they are (ordinal).</summary>
    None,

    /// <summary>
    /// SQuAD v1.1's <c>normalize_answer</c>: lowercase, drop ASCII punctuation (Python's string.punctuation), drop
    /// the whole words "a", "an", "the", collapse whitespace. A word character is a letter, a number or "_"
    /// (Python's \w; .NET's Unicode categories, which agree on all but a few rare characters).
    /// </summary>
    Squad,
}

/// <summary>Exact match: a prediction counts when it equals any of its references after normalisation.</summary>
public static class ExactMatch
{
    /// <summary>Whether the prediction matches any reference.</summary>
    public static bool Matches(string prediction, IReadOnlyList<string> references, ExactMatchNormalization normalization = ExactMatchNormalization.None)
    {
        ArgumentNullException.ThrowIfNull(prediction);
        ArgumentNullException.ThrowIfNull(references);
        string p = Normalize(prediction, normalization);
        foreach (var r in references)
            if (string.Equals(p, Normalize(r, normalization), StringComparison.Ordinal)) return true;
        return false;
    }

    /// <summary>The fraction of cases whose prediction matches one of its references.</summary>
    public static double Rate(IReadOnlyList<string> predictions, IReadOnlyList<IReadOnlyList<string>> references, ExactMatchNormalization normalization = ExactMatchNormalization.None)
    {
        ArgumentNullException.ThrowIfNull(predictions);
        ArgumentNullException.ThrowIfNull(references);
        if (predictions.Count != references.Count)
            throw new ArgumentException($"exact match: {predictions.Count} predictions but references for {references.Count}");
        if (predictions.Count == 0) throw new ArgumentException("exact match needs at least one prediction");
        int matches = 0;
        for (int i = 0; i < predictions.Count; i++)
            if (Matches(predictions[i], references[i], normalization)) matches++;
        return (double)matches / predictions.Count;
    }

    /// <summary>The normalised text.</summary>
    public static string Normalize(string text, ExactMatchNormalization normalization)
    {
        ArgumentNullException.ThrowIfNull(text);
        return normalization == ExactMatchNormalization.Squad ? SquadNormalize(text) : text;
    }

    private static string SquadNormalize(string text)
    {
        // lower -> remove punctuation -> remove articles (replaced by a space) -> collapse whitespace.
        var sb = new StringBuilder(text.Length);
        foreach (char c in text.ToLowerInvariant())
            if (!IsAsciiPunctuation(c)) sb.Append(c);
        string s = sb.ToString();

        sb.Clear();
        for (int i = 0; i < s.Length;)
        {
            int articleLength = ArticleAt(s, i);
            if (articleLength > 0)
            {
                sb.Append(' ');
                i += articleLength;
            }
            else sb.Append(s[i++]);
        }
        s = sb.ToString();

        var ranges = new List<(int Start, int Length)>();
        PythonText.SplitRanges(s, ranges);
        return string.Join(' ', ranges.Select(r => s.Substring(r.Start, r.Length)));
    }

    /// <summary>Length of "a", "an" or "the" at i when it stands as a whole word there, else 0.</summary>
    private static int ArticleAt(string s, int i)
    {
        if (i > 0 && IsWordChar(s[i - 1])) return 0;
        foreach (string article in (ReadOnlySpan<string>)["a", "an", "the"])
        {
            int end = i + article.Length;
            if (end <= s.Length && string.CompareOrdinal(s, i, article, 0, article.Length) == 0 && (end == s.Length || !IsWordChar(s[end])))
                return article.Length;
        }
        return 0;
    }

    /// <summary>Python's string.punctuation: the printable ASCII characters that are neither letters, digits nor space.</summary>
    private static bool IsAsciiPunctuation(char c) => c is >= '!' and <= '~' && !char.IsAsciiLetterOrDigit(c);

    private static bool IsWordChar(char c) => char.IsLetter(c) || char.IsNumber(c) || c == '_';
}
