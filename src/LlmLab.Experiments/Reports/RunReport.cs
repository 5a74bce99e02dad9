using LlmLab.Training;

namespace LlmLab.Experiments;

/// <summary>
/// Everything a run's report shows, read back from the run folder's files (config.yaml, run.json, results.json,
/// metrics.jsonl), so a report can be rendered again at any time with <c>report RUNDIR</c>.
/// </summary>
public sealed record RunReport(
    string FolderName,
    RunConfig Config,
    RunStatus Status,
    RunResults Results,
    IReadOnlyList<MetricSeries> Metrics)
{
    public static RunReport Load(string folder)
    {
        var paths = RunPaths.Of(folder);
        if (!Directory.Exists(paths.Folder)) throw new ExperimentConfigException($"run folder '{folder}' does not exist");
        if (!RunPaths.IsRunFolder(paths.Folder)) throw new ExperimentConfigException($"'{folder}' is not a run folder: it has no config.yaml");
        var config = RunConfigYaml.Read(paths.Config);
        var status = File.Exists(paths.Status)
            ? RunStatus.Read(paths.Status)
            : new RunStatus(RunState.Running, config.Experiment, null, DateTime.UnixEpoch);
        return new RunReport(
            paths.Name,
            config, status, RunResults.Load(paths.Results), MetricsLog.Read(paths.Metrics));
    }

    /// <summary>The steps' own plots first, then the charts drawn from metrics.jsonl.</summary>
    public IReadOnlyList<ChartSpec> Charts => [.. Results.Plots, .. MetricCharts.For(Metrics)];

    public IReadOnlyList<MetricSeries> SteadyMetrics => [.. Metrics.Where(m => !MetricNames.IsTiming(m.Name))];
    public IReadOnlyList<MetricSeries> TimingMetrics => [.. Metrics.Where(m => MetricNames.IsTiming(m.Name))];

    public TimeSpan? Duration => Status.EndedUtc is { } ended ? ended - Status.StartedUtc : null;
}
