namespace LlmLab.Training;

/// <summary>One numeric field of metrics.jsonl over the steps: (step, value) pairs in ascending step order.</summary>
public sealed record MetricSeries(string Name, IReadOnlyList<(long Step, double Value)> Points)
{
    public double Final => Points[^1].Value;
    public long FinalStep => Points[^1].Step;
}
