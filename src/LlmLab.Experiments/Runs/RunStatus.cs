using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using LlmLab.IO;

namespace LlmLab.Experiments;

/// <summary>Where a run stands: running until it ends, then completed, failed (in a step) or interrupted (Ctrl+C).</summary>
public enum RunState { Running, Completed, Failed, Interrupted }

/// <summary>
/// run.json: the state, the experiment and its description, start and end (UTC), the step that failed and why, and
/// how many times the run was resumed. A run killed outright stays "running"; <c>run --resume</c> takes it on.
/// </summary>
public sealed record RunStatus(
    RunState State,
    string Experiment,
    string? Description,
    DateTime StartedUtc,
    DateTime? EndedUtc = null,
    string? FailedStep = null,
    string? Error = null,
    int Resumes = 0)
{
    public static string StateName(RunState state) => state.ToString().ToLowerInvariant();

    public string ToJson() => new JsonObject
    {
        ["status"] = StateName(State),
        ["experiment"] = Experiment,
        ["description"] = Description,
        ["startedUtc"] = Time(StartedUtc),
        ["endedUtc"] = EndedUtc is { } ended ? Time(ended) : null,
        ["failedStep"] = FailedStep,
        ["error"] = Error,
        ["resumes"] = Resumes,
    }.ToJsonString(ReportJsonCodec.Options) + "\n";

    public void Write(RunPaths paths) => AtomicFile.WriteAllText(paths.Status, ToJson());

    public static RunStatus Read(string path)
    {
        if (!File.Exists(path)) throw new ExperimentConfigException($"{path} does not exist: not a run folder");
        try
        {
            var json = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
            string status = (string?)json["status"] ?? "running";
            return new RunStatus(
                Enum.TryParse<RunState>(status, ignoreCase: true, out var state) ? state : RunState.Running,
                (string?)json["experiment"] ?? "",
                (string?)json["description"],
                ParseTime((string?)json["startedUtc"]) ?? DateTime.UnixEpoch,
                ParseTime((string?)json["endedUtc"]),
                (string?)json["failedStep"],
                (string?)json["error"],
                (int?)json["resumes"] ?? 0);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            throw new ExperimentConfigException($"{path} is not valid run status JSON: {e.Message}");
        }
    }

    public static string Time(DateTime utc) => utc.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private static DateTime? ParseTime(string? text) =>
        text is not null && DateTime.TryParse(text, CultureInfo.InvariantCulture,
            DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var time) ? time : null;
}
