using System.Text.Json;
using System.Text.Json.Nodes;

namespace LlmLab.Experiments;

/// <summary>
/// report.json: what report.md shows, for programs. Numbers keep full precision (report.md rounds them); tables
/// carry their sentence; plots are listed by file with their series' labels (the data is in results.json and
/// metrics.jsonl); each metric has its final, min and max and whether it is a timing.
/// </summary>
public static class JsonReport
{
    public static JsonObject Build(RunReport report)
    {
        var parameters = new JsonObject();
        foreach (var (key, value) in report.Config.Parameters) parameters[key] = value;

        return new JsonObject
        {
            ["experiment"] = report.Config.Experiment,
            ["description"] = report.Status.Description,
            ["run"] = new JsonObject
            {
                ["folder"] = report.FolderName,
                ["status"] = RunStatus.StateName(report.Status.State),
                ["startedUtc"] = RunStatus.Time(report.Status.StartedUtc),
                ["endedUtc"] = report.Status.EndedUtc is { } ended ? RunStatus.Time(ended) : null,
                ["durationSeconds"] = report.Duration?.TotalSeconds,
                ["failedStep"] = report.Status.FailedStep,
                ["error"] = report.Status.Error,
                ["resumes"] = report.Status.Resumes,
            },
            ["config"] = new JsonObject
            {
                ["seed"] = report.Config.Seed,
                ["backend"] = report.Config.Backend,
                ["profile"] = report.Config.Profile,
                ["hash"] = report.Config.Hash,
                ["parameters"] = parameters,
            },
            ["summary"] = new JsonArray([.. report.Results.Summaries.Select(s => new JsonObject { ["key"] = s.Key, ["value"] = ReportJsonCodec.Cell(s.Value) })]),
            ["tables"] = new JsonArray([.. report.Results.Tables.Select(t => ReportJsonCodec.Table(t, SentenceWriter.ForTable(t)))]),
            ["plots"] = new JsonArray([.. report.Charts.Select(c => ReportJsonCodec.Chart(c, withData: false))]),
            ["metrics"] = new JsonArray([.. report.Metrics.Select(m => new JsonObject
            {
                ["name"] = m.Name,
                ["final"] = ReportJsonCodec.Number(m.Final),
                ["finalStep"] = m.FinalStep,
                ["min"] = ReportJsonCodec.Number(m.Points.Min(p => p.Value)),
                ["max"] = ReportJsonCodec.Number(m.Points.Max(p => p.Value)),
                ["points"] = m.Points.Count,
                ["timing"] = MetricNames.IsTiming(m.Name),
            })]),
            ["metricsSentence"] = report.Metrics.Count > 0 ? SentenceWriter.ForMetrics(report.Metrics) : null,
        };
    }

    public static string Render(RunReport report) =>
        Build(report).ToJsonString(ReportJsonCodec.Options) + "\n";
}
