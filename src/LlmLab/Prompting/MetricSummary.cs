namespace LlmLab.Prompting;

/// <summary>
/// A metric's mean over a group of items (a task, or a task and template) with lm-eval's standard error of the mean
/// (the sample standard deviation over sqrt(n); NaN for fewer than two items) and the normal 95% interval
/// mean ± 1.96 standard errors (not clipped to [0, 1]). <see cref="FewestShots"/>: the fewest shots any item got;
/// <see cref="Truncated"/>: how many items' prompts lost tokens from the left to fit the model.
/// </summary>
public sealed record MetricSummary(string Task, string? Template, int ShotsRequested, int FewestShots, string Metric, int Count, double Mean,
    double StandardError, int Truncated = 0)
{
    public const double Z95 = 1.96;

    public double Low => Mean - Z95 * StandardError;
    public double High => Mean + Z95 * StandardError;
}

/// <summary>lm-evaluation-harness's mean and mean_stderr.</summary>
public static class PromptStatistics
{
    public static double Mean(IReadOnlyList<double> values)
    {
        if (values.Count == 0) throw new ArgumentException("the mean of no values");
        double sum = 0;
        foreach (double v in values) sum += v;
        return sum / values.Count;
    }

    /// <summary>sqrt(Σ (x - mean)² / (n - 1)) / sqrt(n): lm-eval's sample_stddev / sqrt(n); NaN for n &lt; 2.</summary>
    public static double StandardError(IReadOnlyList<double> values)
    {
        if (values.Count < 2) return double.NaN;
        double mean = Mean(values), squares = 0;
        foreach (double v in values) squares += (v - mean) * (v - mean);
        return Math.Sqrt(squares / (values.Count - 1)) / Math.Sqrt(values.Count);
    }
}
