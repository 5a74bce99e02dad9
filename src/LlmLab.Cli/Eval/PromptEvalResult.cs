using LlmLab.Prompting;

namespace LlmLab.Cli.Eval;

/// <summary>What <c>llmlab prompt-eval</c> reports: one <see cref="PromptReport"/> per number of shots, and the rows of its summary.</summary>
public sealed record PromptEvalResult(string Model, int MaxLength, string TasksPath, ulong Seed, bool ByTemplate, IReadOnlyList<PromptReport> Reports)
{
    /// <summary>The summary rows, shots in the order asked.</summary>
    public IEnumerable<MetricSummary> Rows() => Reports.SelectMany(report => report.Summaries(ByTemplate));
}
