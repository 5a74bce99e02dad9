namespace LlmLab.Evaluation;

/// <summary>
/// Diversity of generated text. Words are Python's <c>str.split()</c> tokens, compared case-sensitively.
/// distinct-n (Li et al. 2016): distinct n-grams / all n-grams, pooled over all generations.
/// Repetition rate, rep-n (Welleck et al. 2019's seq-rep-n): 1 - distinct n-grams / all n-grams within one
/// generation; 0 for a generation with no n-gram. Both are 0..1.
/// </summary>
public static class GenerationDiversity
{
    /// <summary>distinct-n over all generations together (0 when there is no n-gram at all).</summary>
    public static double DistinctN(IEnumerable<string> generations, int n)
    {
        ArgumentNullException.ThrowIfNull(generations);
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 1);
        var ids = new WordIds();
        var sequences = generations.Select(g => Words(g, ids)).ToList();
        var keys = NgramCounts.Keys(sequences, n, ids.MaxId);
        var pooled = keys.SelectMany(k => k).ToArray();
        if (pooled.Length == 0) return 0.0;
        return (double)NgramCounts.Distinct(pooled) / pooled.Length;
    }

    /// <summary>rep-n of one generation: the share of its n-grams that repeat an earlier one.</summary>
    public static double RepetitionRate(string generation, int n)
    {
        ArgumentNullException.ThrowIfNull(generation);
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 1);
        var ids = new WordIds();
        var keys = NgramCounts.Keys([Words(generation, ids)], n, ids.MaxId)[0];
        return keys.Length == 0 ? 0.0 : 1.0 - (double)NgramCounts.Distinct(keys) / keys.Length;
    }

    /// <summary>The mean rep-n over generations.</summary>
    public static double MeanRepetitionRate(IReadOnlyList<string> generations, int n)
    {
        ArgumentNullException.ThrowIfNull(generations);
        if (generations.Count == 0) throw new ArgumentException("repetition rate needs at least one generation");
        double sum = 0;
        foreach (var g in generations) sum += RepetitionRate(g, n);
        return sum / generations.Count;
    }

    private static int[] Words(string text, WordIds ids)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ranges = new List<(int Start, int Length)>();
        PythonText.SplitRanges(text, ranges);
        var result = new int[ranges.Count];
        for (int i = 0; i < result.Length; i++) result[i] = ids.Id(text.AsSpan(ranges[i].Start, ranges[i].Length));
        return result;
    }
}
