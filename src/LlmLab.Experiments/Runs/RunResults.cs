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
    private readonly Lock gate = new();
    private readonly List<ReportTable> tables = [];
    private readonly List<ChartSpec> plots = [];
    private readonly List<KeyValuePair<string, ReportCell>> summaries = [];

    public IReadOnlyList<ReportTable> Tables { get { lock (gate) return [.. tables]; } }
    public IReadOnlyList<ChartSpec> Plots { get { lock (gate) return [.. plots]; } }
    public IReadOnlyList<KeyValuePair<string, ReportCell>> Summaries { get { lock (gate) return [.. summaries]; } }

    public void AddTable(ReportTable table) { lock (gate) Replace(tables, table, t => t.Title == table.Title); }
    public void AddPlot(ChartSpec plot) { lock (gate) Replace(plots, plot, p => p.Name == plot.Name); }
    public void AddSummary(string key, ReportCell value) { lock (gate) Replace(summaries, new(key, value), s => s.Key == key); }

    private static void Replace<T>(List<T> list, T item, Predicate<T> same)
    {
        int index = list.FindIndex(same);
        if (index >= 0) list[index] = item;
        else list.Add(item);
    }

    public string ToJson()
    {
        lock (gate)
        {
            var json = new JsonObject
            {
                ["summary"] = new JsonArray([.. summaries.Select(s => new JsonObject { ["key"] = s.Key, ["value"] = ReportJsonCodec.Cell(s.Value) })]),
                ["tables"] = new JsonArray([.. tables.Select(t => ReportJsonCodec.Table(t))]),
                ["plots"] = new JsonArray([.. plots.Select(p => ReportJsonCodec.Chart(p))]),
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
