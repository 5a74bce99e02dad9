namespace LlmLab.Prompting;

/// <summary>The arithmetic the language models share: log-softmax scores in float64, greedy picks, input checks.</summary>
internal static class TokenScoring
{
    /// <summary>
    /// Sums log-softmax(row t)[targets[t]] over the rows of <paramref name="logits"/> (targets.Length rows of
    /// <paramref name="vocabulary"/> floats), each in float64: max, then log of the sum of exp(x - max).
    /// </summary>
    public static ContinuationScore Score(ReadOnlySpan<float> logits, int vocabulary, IReadOnlyList<int> targets, int truncated)
    {
        double total = 0;
        bool greedy = true;
        for (int t = 0; t < targets.Count; t++)
        {
            var row = logits.Slice(t * vocabulary, vocabulary);
            int best = ArgMax(row);
            double max = row[best], sum = 0;
            foreach (float x in row) sum += Math.Exp(x - max);
            total += row[targets[t]] - max - Math.Log(sum);
            greedy &= best == targets[t];
        }
        return new ContinuationScore(total, greedy, targets.Count, truncated);
    }

    /// <summary>The index of the largest value, the first of equals (torch.argmax's choice).</summary>
    public static int ArgMax(ReadOnlySpan<float> row)
    {
        int best = 0;
        for (int i = 1; i < row.Length; i++)
            if (row[i] > row[best]) best = i;
        return best;
    }

    /// <summary>lm-eval's _encode_pair: the context's trailing white space (Python's str.isspace) moves to the continuation.</summary>
    public static (string Context, string Continuation) MoveTrailingSpace(string context, string continuation)
    {
        int end = context.Length;
        while (end > 0 && IsPythonSpace(context[end - 1])) end--;
        return (context[..end], context[end..] + continuation);
    }

    public static void CheckTokens(IReadOnlyList<int> ids, int vocabulary, string what)
    {
        foreach (int id in ids)
            if ((uint)id >= (uint)vocabulary)
                throw new ArgumentException($"{what} token {id} is outside the model's vocabulary of {vocabulary}");
    }

    public static void CheckContinuation(int[] continuation, int maxLength)
    {
        if (continuation.Length == 0) throw new ArgumentException("a continuation to score needs at least one token");
        if (continuation.Length > maxLength)
            throw new ArgumentException($"a continuation of {continuation.Length} tokens does not fit the model's {maxLength} positions");
    }

    private static bool IsPythonSpace(char c) => char.IsWhiteSpace(c) || c is >= '\x1c' and <= '\x1f';
}
