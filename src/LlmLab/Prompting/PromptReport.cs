using LlmLab.Data;

namespace LlmLab.Prompting;

/// <summary>The records of one evaluation at one number of shots, and their summaries per task.</summary>
public sealed record PromptReport(string Model, int Shots, IReadOnlyList<PromptRecord> Records)
{
    /// <summary>
    /// One summary per task (and template, when <paramref name="byTemplate"/>) and metric, tasks in order of first
    /// appearance; a multiple-choice group has acc then acc_norm.
    /// </summary>
    public IReadOnlyList<MetricSummary> Summaries(bool byTemplate = false)
    {
        var summaries = new List<MetricSummary>();
        var groups = Records.GroupBy(r => (r.Item.Task, Template: byTemplate ? r.Item.Template : null, r.Item.Metric));
        foreach (var group in groups)
        {
            var records = group.ToArray();
            int fewest = records.Min(r => r.Shots), truncated = records.Count(r => r.TruncatedContextTokens > 0);
            Add(InstructionFiles.MetricName(group.Key.Metric), records.Select(r => r.Score).ToArray());
            if (group.Key.Metric == InstructionMetric.Accuracy) Add("acc_norm", records.Select(r => r.NormalizedScore ?? 0).ToArray());

            void Add(string metric, double[] scores) => summaries.Add(new MetricSummary(group.Key.Task, group.Key.Template, Shots, fewest, metric,
                scores.Length, PromptStatistics.Mean(scores), PromptStatistics.StandardError(scores), truncated));
        }
        return summaries;
    }
}
