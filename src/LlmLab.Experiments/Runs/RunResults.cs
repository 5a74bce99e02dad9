using System.Text.Json;
using System.Text.Json.Nodes;
using LlmLab.IO;

namespace LlmLab.Experiments;

/// <summary>
/// The tables, plots and summary figures a run's steps recorded, kept in results.json (rewritten atomically on
/// every record, so a run that dies keeps what it had). Recording again under the same table title, plot name or
/// summary key replaces the old entry in place: a resumed step that records again does not duplicate it.
/// </summary>
public sealed class RunResults
{
    private readonly Lock _gate = new();
    private readonly List<ReportTable> _tables = [];
    private readonly List<ChartSpec> _plots = [];
    private readonly List<KeyValuePair<string, ReportCell>> _summaries = [];

    public IReadOnlyList<ReportTable> Tables { get { lock (_gate) return [.. _tables]; } }
    public IReadOnlyList<ChartSpec> Plots { get { lock (_gate) return [.. _plots]; } }
    public IReadOnlyList<KeyValuePair<string, ReportCell>> Summaries { get { lock (_gate) return [.. _summaries]; } }

    public void AddTable(ReportTable table) { lock (_gate) Replace(_tables, table, t => t.Title == table.Title); }
    public void AddPlot(ChartSpec plot) { lock (_gate) Replace(_plots, plot, p => p.Name == plot.Name); }
    public void AddSummary(string key, ReportCell value) { lock (_gate) Replace(_summaries, new(key, value), s => s.Key == key); }

    private static void Replace<T>(List<T> list, T item, Predicate<T> same)
    {
        int index = list.FindIndex(same);
        if (index >= 0) list[index] = item;
        else list.Add(item);
    }

    public string ToJson()
    {
        lock (_gate)
        {
            var json = new JsonObject
            {
                ["summary"] = new JsonArray([.. _summaries.Select(s => new JsonObject { ["key"] = s.Key, ["value"] = ReportJsonCodec.Cell(s.Value) })]),
                ["tables"] = new JsonArray([.. _tables.Select(t => ReportJsonCodec.Table(t))]),
                ["plots"] = new JsonArray([.. _plots.Select(p => ReportJsonCodec.Chart(p))]),
            };
            return json.ToJsonString(ReportJsonCodec.Options) + "\n";
        }
    }

    public void Save(string path) => AtomicFile.WriteAllText(path, ToJson());

    /// <summary>Reads results.json; an empty set where the file does not exist (a run that recorded nothing).</summary>
    public static RunResults Load(string path)
    {
        var results = new RunResults();
        if (!File.Exists(path)) return results;
        try
        {
            var json = JsonNode.Parse(File.ReadAllText(path)) as JsonObject
                ?? throw new ExperimentConfigException($"{path} is not a JSON object");
            foreach (var s in (json["summary"] as JsonArray ?? []).OfType<JsonObject>())
                results.AddSummary((string?)s["key"] ?? "", ReportJsonCodec.ReadCell(s["value"]));
            foreach (var t in (json["tables"] as JsonArray ?? []).OfType<JsonObject>())
                results.AddTable(ReportJsonCodec.ReadTable(t));
            foreach (var p in (json["plots"] as JsonArray ?? []).OfType<JsonObject>())
                results.AddPlot(ReportJsonCodec.ReadChart(p));
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            throw new ExperimentConfigException($"{path} is not valid results JSON: {e.Message}");
        }
        return results;
    }
}
