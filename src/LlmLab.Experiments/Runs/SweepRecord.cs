using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace LlmLab.Experiments;

/// <summary>One swept key and its values, in the order given on the command line.</summary>
public sealed record SweepAxis(string Key, IReadOnlyList<string> Values);

/// <summary>One combination of a sweep: its grid values, its run folder's name (a sibling of the sweep folder) and how it ended.</summary>
public sealed record SweepRun(IReadOnlyList<KeyValuePair<string, string>> Combination, string Folder, RunState State)
{
    public string Label => string.Join(", ", Combination.Select(c => $"{c.Key}={c.Value}"));
}

/// <summary>
/// sweep.json in runs/NAME/sweep-&lt;time&gt;/: the grid, the settings every combination shared, and the run folder of
/// each combination; the sweep's report is rendered from it and those folders.
/// </summary>
public sealed record SweepRecord(
    string Experiment,
    string? Description,
    DateTime StartedUtc,
    DateTime? EndedUtc,
    string? Profile,
    ulong Seed,
    string Backend,
    IReadOnlyList<KeyValuePair<string, string>> Fixed,
    IReadOnlyList<SweepAxis> Grid,
    IReadOnlyList<SweepRun> Runs)
{
    public const string FileName = "sweep.json";

    /// <summary>Every combination of the grid's values, the first key outermost (as nested loops in the order given).</summary>
    public static IReadOnlyList<IReadOnlyList<KeyValuePair<string, string>>> Combinations(IReadOnlyList<SweepAxis> grid)
    {
        IEnumerable<IReadOnlyList<KeyValuePair<string, string>>> combinations = [[]];
        foreach (var axis in grid)
            combinations = combinations.SelectMany(c => axis.Values.Select(v => (IReadOnlyList<KeyValuePair<string, string>>)[.. c, KeyValuePair.Create(axis.Key, v)])).ToList();
        return [.. combinations];
    }

    public string ToJson()
    {
        static JsonObject Pairs(IEnumerable<KeyValuePair<string, string>> pairs)
        {
            var json = new JsonObject();
            foreach (var (key, value) in pairs) json[key] = value;
            return json;
        }
        return new JsonObject
        {
            ["experiment"] = Experiment,
            ["description"] = Description,
            ["startedUtc"] = RunStatus.Time(StartedUtc),
            ["endedUtc"] = EndedUtc is { } ended ? RunStatus.Time(ended) : null,
            ["profile"] = Profile,
            ["seed"] = Seed,
            ["backend"] = Backend,
            ["fixed"] = Pairs(Fixed),
            ["grid"] = new JsonArray([.. Grid.Select(a => new JsonObject { ["key"] = a.Key, ["values"] = new JsonArray([.. a.Values.Select(v => JsonValue.Create(v))]) })]),
            ["runs"] = new JsonArray([.. Runs.Select(r => new JsonObject
            {
                ["combination"] = Pairs(r.Combination),
                ["folder"] = r.Folder,
                ["status"] = RunStatus.StateName(r.State),
            })]),
        }.ToJsonString(ReportJsonCodec.Options) + "\n";
    }

    public static SweepRecord Read(string path)
    {
        try
        {
            var json = JsonNode.Parse(File.ReadAllText(path)) as JsonObject
                ?? throw new ExperimentConfigException($"{path} is not a JSON object");
            static IReadOnlyList<KeyValuePair<string, string>> Pairs(JsonNode? node) =>
                node is JsonObject o ? [.. o.Select(p => KeyValuePair.Create(p.Key, (string?)p.Value ?? ""))] : [];
            static DateTime? Time(JsonNode? node) => (string?)node is { } text
                && DateTime.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var t) ? t : null;
            return new SweepRecord(
                (string?)json["experiment"] ?? "",
                (string?)json["description"],
                Time(json["startedUtc"]) ?? DateTime.UnixEpoch,
                Time(json["endedUtc"]),
                (string?)json["profile"],
                (ulong?)json["seed"] ?? 0,
                (string?)json["backend"] ?? "",
                Pairs(json["fixed"]),
                [.. (json["grid"] as JsonArray ?? []).OfType<JsonObject>().Select(a => new SweepAxis(
                    (string?)a["key"] ?? "", [.. (a["values"] as JsonArray ?? []).Select(v => (string?)v ?? "")]))],
                [.. (json["runs"] as JsonArray ?? []).OfType<JsonObject>().Select(r => new SweepRun(
                    Pairs(r["combination"]), (string?)r["folder"] ?? "",
                    Enum.TryParse<RunState>((string?)r["status"], ignoreCase: true, out var state) ? state : RunState.Running))]);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            throw new ExperimentConfigException($"{path} is not valid sweep JSON: {e.Message}");
        }
    }
}
