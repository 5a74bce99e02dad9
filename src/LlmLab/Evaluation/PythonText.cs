namespace LlmLab.Evaluation;

/// <summary>
/// The few pieces of Python's <c>str</c> behaviour that the reference tools (sacrebleu, rouge_score) rely on and
/// that .NET spells differently: Python's whitespace set (<c>str.isspace</c>, used by <c>split()</c> and
/// <c>rstrip()</c>) adds U+001C..U+001F to .NET's <see cref="char.IsWhiteSpace(char)"/>, and Python indexes a
/// string by code point where .NET uses UTF-16 units.
/// </summary>
internal static class PythonText
{
    /// <summary>Python's <c>str.isspace</c> for one UTF-16 unit (no whitespace lies outside the BMP).</summary>
    public static bool IsSpace(char c) =>
        c <= ' ' ? c == ' ' || (c >= '\t' && c <= '\r') || (c >= '\x1c' && c <= '\x1f') : c >= '\x85' && char.IsWhiteSpace(c);

    /// <summary>Python's <c>s.rstrip()</c>.</summary>
    public static ReadOnlySpan<char> RStrip(ReadOnlySpan<char> s)
    {
        int end = s.Length;
        while (end > 0 && IsSpace(s[end - 1])) end--;
        return s[..end];
    }

    /// <summary>
    /// The code points of <paramref name="s"/> with Python's whitespace removed (<c>''.join(s.split())</c>), as
    /// Python would index them: a surrogate pair is one element, a lone surrogate stays one element of its own.
    /// Returns how many were written to <paramref name="dest"/> (which needs s.Length room).
    /// </summary>
    public static int CodePointsWithoutSpace(ReadOnlySpan<char> s, Span<int> dest)
    {
        int n = 0;
        for (int i = 0; i < s.Length; i++)
        {
            char c = s[i];
            if (char.IsHighSurrogate(c) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]))
            {
                dest[n++] = char.ConvertToUtf32(c, s[i + 1]);
                i++;
            }
            else if (!IsSpace(c))
            {
                dest[n++] = c;
            }
        }
        return n;
    }

    /// <summary>Python's <c>s.split()</c> as (start, length) ranges, appended to <paramref name="ranges"/>.</summary>
    public static void SplitRanges(ReadOnlySpan<char> s, List<(int Start, int Length)> ranges)
    {
        int i = 0;
        while (true)
        {
            while (i < s.Length && IsSpace(s[i])) i++;
            if (i == s.Length) return;
            int start = i;
            while (i < s.Length && !IsSpace(s[i])) i++;
            ranges.Add((start, i - start));
        }
    }

    /// <summary>
    /// Python 3.12+'s <c>sum()</c> of floats: Neumaier's compensated summation, the compensation added at the end
    /// (CPython's builtin_sum). sacrebleu averages BLEU's log precisions with it.
    /// </summary>
    public static double Sum(ReadOnlySpan<double> values)
    {
        if (values.IsEmpty) return 0.0;
        double sum = values[0], compensation = 0.0;
        for (int i = 1; i < values.Length; i++)
        {
            double x = values[i], t = sum + x;
            compensation += Math.Abs(sum) >= Math.Abs(x) ? (sum - t) + x : (x - t) + sum;
            sum = t;
        }
        return compensation != 0.0 && double.IsFinite(compensation) ? sum + compensation : sum;
    }
}
