using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using LlmLab.IO;

namespace LlmLab.Experiments;

/// <summary>One swept key and its values, in the order given on the command line.</summary>
public sealed record SweepAxis(string Key, IReadOnlyList<string> Values);

/// <summary>
/// One point of a sweep: its index, its grid values and the hash of its resolved configuration. Its run folder is
/// POINTS/INDEX inside the sweep folder, so any worker given the index finds and runs it.
/// </summary>
public sealed record SweepPoint(int Index, IReadOnlyList<KeyValuePair<string, string>> Combination, string Hash)
{
    public const string PointsFolder = "points";

    public string Label => string.Join(", ", Combination.Select(c => $"{c.Key}={c.Value}"));

    /// <summary>The run folder relative to the sweep folder ("points/3"), with '/' on every system.</summary>
    public string Folder => PointsFolder + "/" + Index.ToString(CultureInfo.InvariantCulture);

    public string FolderIn(string sweepFolder) => Path.Combine(sweepFolder, PointsFolder, Index.ToString(CultureInfo.InvariantCulture));
}

/// <summary>Where a sweep's points run: in this process, as a Slurm job array, or as a Kubernetes Indexed Job.</summary>
public enum SweepExecutor { Local, Slurm, Kubernetes }

/// <summary>
/// How the points of a sweep are run and with what resources; recorded in sweep.json so <c>sweep resume</c>
/// submits the rest the same way (its options override single settings). Null means "not given": the scheduler's
/// default.
/// </summary>
public sealed record ExecutorSettings(SweepExecutor Kind)
{
    /// <summary>At most this many points at once (Slurm's %N, a Job's parallelism).</summary>
    public int? Parallel { get; init; }
    public string? Partition { get; init; }
    /// <summary>Per point, in Slurm's forms (minutes, H:MM:SS, D-HH:MM, ...).</summary>
    public string? Time { get; init; }
    public int? Cpus { get; init; }
    /// <summary>Per point: a whole number and M or G ("8G").</summary>
    public string? Memory { get; init; }
    public int? Gpus { get; init; }
    /// <summary>More #SBATCH lines, each an sbatch option ("--account=lab").</summary>
    public IReadOnlyList<string> Sbatch { get; init; } = [];
    /// <summary>Shell lines the array script runs before the point (module load, environment).</summary>
    public IReadOnlyList<string> Setup { get; init; } = [];
    /// <summary>The command that starts this host on a node (null: the command of the process that planned the sweep).</summary>
    public IReadOnlyList<string>? Worker { get; init; }
    public string? Image { get; init; }
    /// <summary>The PersistentVolumeClaim that holds the runs folder, and where the pods mount it.</summary>
    public string? Claim { get; init; }
    public string? Mount { get; init; }
    /// <summary>Retries of a failed point before its index counts as failed (backoffLimitPerIndex).</summary>
    public int? Retries { get; init; }

    public static string Name(SweepExecutor kind) => kind.ToString().ToLowerInvariant();

    public JsonObject ToJson()
    {
        var json = new JsonObject { ["kind"] = Name(Kind) };
        void Add(string key, JsonNode? value) { if (value is not null) json[key] = value; }
        Add("parallel", Parallel);
        Add("partition", Partition);
        Add("time", Time);
        Add("cpus", Cpus);
        Add("memory", Memory);
        Add("gpus", Gpus);
        if (Sbatch.Count > 0) json["sbatch"] = Strings(Sbatch);
        if (Setup.Count > 0) json["setup"] = Strings(Setup);
        if (Worker is not null) json["worker"] = Strings(Worker);
        Add("image", Image);
        Add("claim", Claim);
        Add("mount", Mount);
        Add("retries", Retries);
        return json;
    }

    public static ExecutorSettings FromJson(JsonObject? json)
    {
        if (json is null) return new ExecutorSettings(SweepExecutor.Local);
        return new ExecutorSettings(Enum.TryParse<SweepExecutor>((string?)json["kind"], ignoreCase: true, out var kind) ? kind : SweepExecutor.Local)
        {
            Parallel = (int?)json["parallel"],
            Partition = (string?)json["partition"],
            Time = (string?)json["time"],
            Cpus = (int?)json["cpus"],
            Memory = (string?)json["memory"],
            Gpus = (int?)json["gpus"],
            Sbatch = SweepRecord.StringList(json["sbatch"]),
            Setup = SweepRecord.StringList(json["setup"]),
            Worker = json["worker"] is JsonArray ? SweepRecord.StringList(json["worker"]) : null,
            Image = (string?)json["image"],
            Claim = (string?)json["claim"],
            Mount = (string?)json["mount"],
            Retries = (int?)json["retries"],
        };
    }

    private static JsonArray Strings(IEnumerable<string> values) => new([.. values.Select(v => JsonValue.Create(v))]);
}

/// <summary>One hand-over of points to an executor: which, to what job, when, and the script or manifest written for it.</summary>
public sealed record SweepSubmission(int Number, SweepExecutor Executor, string? Job, IReadOnlyList<int> Indices, DateTime Utc, string? File);

/// <summary>
/// sweep.json in runs/NAME/sweep-&lt;time&gt;/: the experiment, the grid, the settings every point shares, the
/// point list with each point's config hash, how the points are executed, and each submission. Written by the
/// command that plans or submits the sweep, never by a point: points record their state in their own folders
/// (<see cref="PointState"/>), so any number of them can run at once.
/// </summary>
public sealed record SweepRecord(
    string Experiment,
    string? Description,
    DateTime StartedUtc,
    string? Profile,
    ulong Seed,
    string Backend,
    IReadOnlyList<KeyValuePair<string, string>> Fixed,
    IReadOnlyList<SweepAxis> Grid,
    IReadOnlyList<SweepPoint> Points,
    ExecutorSettings Executor,
    IReadOnlyList<SweepSubmission> Submissions)
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

    public static string PathIn(string sweepFolder) => Path.Combine(sweepFolder, FileName);

    public void Write(string sweepFolder) => AtomicFile.WriteAllText(PathIn(sweepFolder), ToJson());

    public string ToJson()
    {
        return new JsonObject
        {
            ["experiment"] = Experiment,
            ["description"] = Description,
            ["startedUtc"] = RunStatus.Time(StartedUtc),
            ["profile"] = Profile,
            ["seed"] = Seed,
            ["backend"] = Backend,
            ["fixed"] = Pairs(Fixed),
            ["grid"] = new JsonArray([.. Grid.Select(a => new JsonObject { ["key"] = a.Key, ["values"] = new JsonArray([.. a.Values.Select(v => JsonValue.Create(v))]) })]),
            ["points"] = new JsonArray([.. Points.Select(p => new JsonObject
            {
                ["index"] = p.Index,
                ["combination"] = Pairs(p.Combination),
                ["hash"] = p.Hash,
                ["folder"] = p.Folder,
            })]),
            ["executor"] = Executor.ToJson(),
            ["submissions"] = new JsonArray([.. Submissions.Select(s => new JsonObject
            {
                ["number"] = s.Number,
                ["executor"] = ExecutorSettings.Name(s.Executor),
                ["job"] = s.Job,
                ["indices"] = new JsonArray([.. s.Indices.Select(i => JsonValue.Create(i))]),
                ["utc"] = RunStatus.Time(s.Utc),
                ["file"] = s.File,
            })]),
        }.ToJsonString(ReportJsonCodec.Options) + "\n";

        static JsonObject Pairs(IEnumerable<KeyValuePair<string, string>> pairs)
        {
            var json = new JsonObject();
            foreach (var (key, value) in pairs) json[key] = value;
            return json;
        }
    }

    /// <summary>Reads sweep.json from a sweep folder; a folder without one is a usage error naming it.</summary>
    public static SweepRecord ReadFolder(string sweepFolder)
    {
        if (!Directory.Exists(sweepFolder)) throw new ExperimentConfigException($"sweep folder '{sweepFolder}' does not exist");
        string path = PathIn(sweepFolder);
        if (!File.Exists(path)) throw new ExperimentConfigException($"'{sweepFolder}' is not a sweep folder: it has no {FileName}");
        return Read(path);
    }

    public static SweepRecord Read(string path)
    {
        try
        {
            var json = JsonNode.Parse(File.ReadAllText(path)) as JsonObject
                ?? throw new ExperimentConfigException($"{path} is not a JSON object");
            if (json["points"] is null && json["runs"] is JsonArray)
                throw new ExperimentConfigException($"{path} is a sweep from before sweep folders held their points: its runs are the folders beside it "
                    + "(show them side by side with compare)");
            return new SweepRecord(
                (string?)json["experiment"] ?? "",
                (string?)json["description"],
                Time(json["startedUtc"]) ?? DateTime.UnixEpoch,
                (string?)json["profile"],
                (ulong?)json["seed"] ?? 0,
                (string?)json["backend"] ?? "",
                Pairs(json["fixed"]),
                [.. (json["grid"] as JsonArray ?? []).OfType<JsonObject>().Select(a => new SweepAxis((string?)a["key"] ?? "", StringList(a["values"])))],
                [.. (json["points"] as JsonArray ?? []).OfType<JsonObject>().Select(p => new SweepPoint(
                    (int?)p["index"] ?? 0, Pairs(p["combination"]), (string?)p["hash"] ?? ""))],
                ExecutorSettings.FromJson(json["executor"] as JsonObject),
                [.. (json["submissions"] as JsonArray ?? []).OfType<JsonObject>().Select(s => new SweepSubmission(
                    (int?)s["number"] ?? 0,
                    Enum.TryParse<SweepExecutor>((string?)s["executor"], ignoreCase: true, out var kind) ? kind : SweepExecutor.Local,
                    (string?)s["job"],
                    [.. (s["indices"] as JsonArray ?? []).Select(i => (int?)i ?? -1)],
                    Time(s["utc"]) ?? DateTime.UnixEpoch,
                    (string?)s["file"]))]);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            throw new ExperimentConfigException($"{path} is not valid sweep JSON: {e.Message}");
        }

        static IReadOnlyList<KeyValuePair<string, string>> Pairs(JsonNode? node) =>
            node is JsonObject o ? [.. o.Select(p => KeyValuePair.Create(p.Key, (string?)p.Value ?? ""))] : [];
        static DateTime? Time(JsonNode? node) => (string?)node is { } text
            && DateTime.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var t) ? t : null;
    }

    internal static IReadOnlyList<string> StringList(JsonNode? node) => [.. (node as JsonArray ?? []).Select(v => (string?)v ?? "")];

    /// <summary>The point at <paramref name="index"/>; an index outside the sweep is a usage error.</summary>
    public SweepPoint Point(int index) =>
        index >= 0 && index < Points.Count && Points[index].Index == index
            ? Points[index]
            : Points.FirstOrDefault(p => p.Index == index)
              ?? throw new ExperimentConfigException($"the sweep has no point {index} (its points are 0 to {Points.Count - 1})");

    /// <summary>The newest submission that handed <paramref name="index"/> over, if any.</summary>
    public SweepSubmission? LastSubmissionOf(int index) => Submissions.LastOrDefault(s => s.Indices.Contains(index));
}
