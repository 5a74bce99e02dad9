namespace LlmLab.Experiments;

/// <summary>Which way is better for a quantity, judged from its name; Unknown when the name does not say.</summary>
public enum Direction { Unknown, LowerIsBetter, HigherIsBetter }

/// <summary>What a metric's or column's name tells: a loss, a timing (varies run to run), better low or high.</summary>
public static class MetricNames
{
    private static readonly string[] LowerWords =
        ["loss", "perplexity", "ppl", "error", "err", "wer", "cer", "latency", "repetition", "bytes", "size", "memory", "ms", "seconds", "time"];
    private static readonly string[] HigherWords =
        ["accuracy", "acc", "rouge", "rouge1", "rouge2", "rougel", "rougelsum", "bleu", "chrf", "f1", "precision", "recall",
         "distinct", "reward", "throughput", "speedup", "score"];

    public static bool IsLoss(string name) => name.EndsWith("loss", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Wall-clock figures (ms, *_ms, *_seconds, *per_second*, tokens/s, mfu, elapsed, time): they differ between two
    /// runs of the same seed, so reports keep them apart and snapshot scrubbing hides them.
    /// </summary>
    public static bool IsTiming(string name)
    {
        string n = name.ToLowerInvariant();
        return n is "ms" or "seconds" or "mfu" or "time" or "elapsed"
            || n.EndsWith("_ms", StringComparison.Ordinal) || n.EndsWith("_seconds", StringComparison.Ordinal)
            || n.Contains("per_second", StringComparison.Ordinal) || n.Contains("tok/s", StringComparison.Ordinal)
            || n.StartsWith("elapsed", StringComparison.Ordinal) || n.EndsWith("_time", StringComparison.Ordinal);
    }

    public static Direction DirectionOf(string name)
    {
        var words = Words(name);
        // "tokens per second" is a rate: higher is better even though it names a time unit.
        if (words.Contains("per") || name.Contains("/s", StringComparison.OrdinalIgnoreCase)) return Direction.HigherIsBetter;
        if (words.Any(w => HigherWords.Contains(w))) return Direction.HigherIsBetter;
        if (words.Any(w => LowerWords.Contains(w))) return Direction.LowerIsBetter;
        return Direction.Unknown;
    }

    private static List<string> Words(string name)
    {
        var words = new List<string>();
        var word = new System.Text.StringBuilder();
        foreach (char c in name)
        {
            // Split snake_case, kebab-case, spaces and camelCase ("valLoss" -> val, loss).
            if (!char.IsLetterOrDigit(c) || (char.IsUpper(c) && word.Length > 0 && char.IsLower(word[^1])))
            {
                if (word.Length > 0) words.Add(word.ToString().ToLowerInvariant());
                word.Clear();
                if (!char.IsLetterOrDigit(c)) continue;
            }
            word.Append(c);
        }
        if (word.Length > 0) words.Add(word.ToString().ToLowerInvariant());
        return words;
    }
}
