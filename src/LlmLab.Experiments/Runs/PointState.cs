using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using LlmLab.IO;

namespace LlmLab.Experiments;

/// <summary>Where a sweep point stands, as the point itself (or the command that queued it) last recorded.</summary>
public enum PointPhase { Queued, Running, Done, Failed, Interrupted }

/// <summary>
/// point.json in a point's run folder: its phase, how many times a worker started it, the scheduler's name for the
/// task that ran it last (Slurm's JOB_INDEX, the pod), the machine, and the exit code once it ended. The worker
/// writes it when it starts and when it ends; <c>sweep</c> and <c>sweep resume</c> write "queued" before they submit.
/// Each point has its own file, so points never write to a shared one.
/// </summary>
public sealed record PointState(PointPhase Phase, int Attempts, string? Job, string? Host, int? ExitCode, DateTime UpdatedUtc)
{
    public const string FileName = "point.json";

    public static string Name(PointPhase phase) => phase.ToString().ToLowerInvariant();

    public static string PathIn(string pointFolder) => Path.Combine(pointFolder, FileName);

    public void Write(string pointFolder) => AtomicFile.WriteAllText(PathIn(pointFolder), new JsonObject
    {
        ["state"] = Name(Phase),
        ["attempts"] = Attempts,
        ["job"] = Job,
        ["host"] = Host,
        ["exitCode"] = ExitCode,
        ["updatedUtc"] = RunStatus.Time(UpdatedUtc),
    }.ToJsonString(ReportJsonCodec.Options) + "\n");

    /// <summary>The point's state, or null when it was never queued nor started (or its file cannot be read).</summary>
    public static PointState? Read(string pointFolder)
    {
        string path = PathIn(pointFolder);
        if (!File.Exists(path)) return null;
        try
        {
            var json = JsonNode.Parse(File.ReadAllText(path)) as JsonObject;
            if (json is null || !Enum.TryParse<PointPhase>((string?)json["state"], ignoreCase: true, out var phase)) return null;
            return new PointState(phase, (int?)json["attempts"] ?? 0, (string?)json["job"], (string?)json["host"], (int?)json["exitCode"],
                DateTime.TryParse((string?)json["updatedUtc"], CultureInfo.InvariantCulture,
                    DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var time) ? time : DateTime.UnixEpoch);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException or IOException)
        {
            return null;
        }
    }
}
