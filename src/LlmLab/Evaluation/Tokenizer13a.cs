using System.Text;

namespace LlmLab.Evaluation;

/// <summary>
/// sacrebleu's default BLEU tokenizer "13a" (mteval-v13a.pl's, as sacrebleu 2.x implements it): remove
/// "&lt;skipped&gt;", join "-\n" and turn "\n" into a space, unescape &amp;quot; &amp;amp; &amp;lt; &amp;gt; (in
/// that order), then on the line padded with spaces: put spaces around every character of the class
/// <c>[{-~[-` -&amp;(-+:-@/]</c>, split "." and "," after a non-digit, split "." and "," before a non-digit, split "-"
/// after a digit, and collapse whitespace (Python's <c>split()</c>/<c>join</c>). Apostrophes stay inside words.
/// Each regular-expression step is reproduced as the left-to-right, non-overlapping substitution Python's
/// <c>re.sub</c> performs, with no regular expressions at run time.
/// </summary>
public static class Tokenizer13a
{
    /// <summary>The tokenized line, tokens separated by single spaces.</summary>
    public static string Tokenize(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        var ranges = new List<(int Start, int Length)>();
        string text = Tokenize(line, ranges);
        var sb = new StringBuilder(text.Length);
        foreach (var (start, length) in ranges)
        {
            if (sb.Length > 0) sb.Append(' ');
            sb.Append(text, start, length);
        }
        return sb.ToString();
    }

    /// <summary>
    /// Tokenizes without building the joined string: returns a text and fills <paramref name="tokens"/> with the
    /// (start, length) of each token in it.
    /// </summary>
    public static string Tokenize(string line, List<(int Start, int Length)> tokens)
    {
        ArgumentNullException.ThrowIfNull(line);
        tokens.Clear();
        string s = line;
        if (s.Contains('<')) s = s.Replace("<skipped>", "", StringComparison.Ordinal);
        if (s.Contains('\n')) s = s.Replace("-\n", "", StringComparison.Ordinal).Replace('\n', ' ');
        if (s.Contains('&'))
        {
            s = s.Replace("&quot;", "\"", StringComparison.Ordinal)
                 .Replace("&amp;", "&", StringComparison.Ordinal)
                 .Replace("&lt;", "<", StringComparison.Ordinal)
                 .Replace("&gt;", ">", StringComparison.Ordinal);
        }

        // Growth per input character over all four steps: +2 for split punctuation, +4 for "." or ",", +2 for "-";
        // so 5 * length plus the padding bounds every intermediate.
        int capacity = 5 * s.Length + 8;
        char[] a = Buffer(ref BufferA, capacity), b = Buffer(ref BufferB, capacity);
        int n = 0;
        a[n++] = ' ';
        s.CopyTo(0, a, n, s.Length);
        n += s.Length;
        a[n++] = ' ';

        n = SplitPunctuation(a, n, b);
        n = SplitPeriodCommaAfterNonDigit(b, n, a);
        n = SplitPeriodCommaBeforeNonDigit(a, n, b);
        n = SplitDashAfterDigit(b, n, a);

        string text = new(a, 0, n);
        PythonText.SplitRanges(text, tokens);
        return text;
    }

    [ThreadStatic] private static char[]? BufferA, BufferB;

    private static char[] Buffer(ref char[]? buffer, int capacity)
    {
        if (buffer is null || buffer.Length < capacity) buffer = new char[Math.Max(capacity, 1024)];
        return buffer;
    }

    private static bool IsDigit(char c) => c is >= '0' and <= '9';

    /// <summary>The class [{-~[-` -&amp;(-+:-@/]: ASCII punctuation except ' , - . and the space itself.</summary>
    private static bool IsSplitPunctuation(char c) =>
        c is (>= '{' and <= '~') or (>= '[' and <= '`') or (>= ' ' and <= '&') or (>= '(' and <= '+') or (>= ':' and <= '@') or '/';

    // ([{-~[-` -&(-+:-@/]) -> " \1 "
    private static int SplitPunctuation(char[] src, int n, char[] dst)
    {
        int m = 0;
        for (int i = 0; i < n; i++)
        {
            char c = src[i];
            if (IsSplitPunctuation(c))
            {
                dst[m++] = ' ';
                dst[m++] = c;
                dst[m++] = ' ';
            }
            else dst[m++] = c;
        }
        return m;
    }

    // ([^0-9])([\.,]) -> "\1 \2 "
    private static int SplitPeriodCommaAfterNonDigit(char[] src, int n, char[] dst)
    {
        int m = 0, i = 0;
        while (i < n)
        {
            if (i + 1 < n && !IsDigit(src[i]) && src[i + 1] is '.' or ',')
            {
                dst[m++] = src[i];
                dst[m++] = ' ';
                dst[m++] = src[i + 1];
                dst[m++] = ' ';
                i += 2;
            }
            else dst[m++] = src[i++];
        }
        return m;
    }

    // ([\.,])([^0-9]) -> " \1 \2"
    private static int SplitPeriodCommaBeforeNonDigit(char[] src, int n, char[] dst)
    {
        int m = 0, i = 0;
        while (i < n)
        {
            if (i + 1 < n && src[i] is '.' or ',' && !IsDigit(src[i + 1]))
            {
                dst[m++] = ' ';
                dst[m++] = src[i];
                dst[m++] = ' ';
                dst[m++] = src[i + 1];
                i += 2;
            }
            else dst[m++] = src[i++];
        }
        return m;
    }

    // ([0-9])(-) -> "\1 \2 "
    private static int SplitDashAfterDigit(char[] src, int n, char[] dst)
    {
        int m = 0, i = 0;
        while (i < n)
        {
            if (i + 1 < n && IsDigit(src[i]) && src[i + 1] == '-')
            {
                dst[m++] = src[i];
                dst[m++] = ' ';
                dst[m++] = '-';
                dst[m++] = ' ';
                i += 2;
            }
            else dst[m++] = src[i++];
        }
        return m;
    }
}
