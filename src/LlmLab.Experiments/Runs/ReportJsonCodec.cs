using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace LlmLab.Experiments;

/// <summary>
/// JSON forms of report values, shared by results.json and report.json: a number is a JSON number (NaN and
/// infinities as <c>{"number": "NaN"}</c>), a duration <c>{"seconds": 1.5}</c>, text a string.
/// </summary>
public static class ReportJsonCodec
{
    /// <summary>Indented, and readable: "w²" stays "w²" rather than "w\u00B2" (the files are read by people too).</summary>
    public static JsonSerializerOptions Options { get; } = new()
    {
        WriteIndented = true,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static JsonNode? Cell(ReportCell cell) => cell.Kind switch
    {
        ReportCellKind.Number when double.IsFinite(cell.Number) => JsonValue.Create(cell.Number),
        ReportCellKind.Number => new JsonObject { ["number"] = cell.Number.ToString(CultureInfo.InvariantCulture) },
        ReportCellKind.Duration => new JsonObject { ["seconds"] = cell.Number },
        _ => JsonValue.Create(cell.Text ?? ""),
    };

    public static ReportCell ReadCell(JsonNode? node) => node switch
    {
        null => ReportCell.OfText(""),
        JsonObject o when o["seconds"] is { } seconds => new ReportCell(ReportCellKind.Duration, seconds.GetValue<double>(), null),
        JsonObject o when o["number"] is { } number => ReportCell.OfNumber(double.Parse(number.GetValue<string>(), CultureInfo.InvariantCulture)),
        JsonValue v when v.TryGetValue<double>(out double d) => ReportCell.OfNumber(d),
        JsonValue v when v.TryGetValue<string>(out string? s) => ReportCell.OfText(s),
        _ => ReportCell.OfText(node.ToJsonString()),
    };

    public static JsonObject Table(ReportTable table, string? generatedSentence = null) => new()
    {
        ["title"] = table.Title,
        ["columns"] = new JsonArray([.. table.Columns.Select(c => JsonValue.Create(c))]),
        ["rows"] = new JsonArray([.. table.Rows.Select(r => new JsonArray([.. r.Select(Cell)]))]),
        ["sentence"] = table.Sentence ?? generatedSentence,
    };

    public static ReportTable ReadTable(JsonObject json) => new(
        (string?)json["title"] ?? "",
        [.. (json["columns"] as JsonArray ?? []).Select(c => (string?)c ?? "")],
        [.. (json["rows"] as JsonArray ?? []).Select(r => (IReadOnlyList<ReportCell>)[.. (r as JsonArray ?? []).Select(ReadCell)])],
        (string?)json["sentence"]);

    public static JsonObject Chart(ChartSpec chart, bool withData = true)
    {
        var json = new JsonObject
        {
            ["name"] = chart.Name,
            ["title"] = chart.Title,
            ["file"] = "plots/" + chart.FileName,
            ["kind"] = chart.Kind.ToString().ToLowerInvariant(),
            ["xLabel"] = chart.XLabel,
            ["yLabel"] = chart.YLabel,
        };
        if (chart.Categories is not null) json["categories"] = new JsonArray([.. chart.Categories.Select(c => JsonValue.Create(c))]);
        json["series"] = new JsonArray([.. chart.Series.Select(s => withData
            ? new JsonObject
            {
                ["label"] = s.Label,
                ["x"] = new JsonArray([.. s.X.Select(Number)]),
                ["y"] = new JsonArray([.. s.Y.Select(Number)]),
            }
            : (JsonNode)new JsonObject { ["label"] = s.Label, ["points"] = s.X.Count })]);
        return json;
    }

    public static ChartSpec ReadChart(JsonObject json) => new(
        (string?)json["name"] ?? "plot",
        (string?)json["title"] ?? "",
        (string?)json["xLabel"] ?? "",
        (string?)json["yLabel"] ?? "",
        Enum.TryParse<ChartKind>((string?)json["kind"], ignoreCase: true, out var kind) ? kind : ChartKind.Line,
        [.. (json["series"] as JsonArray ?? []).OfType<JsonObject>().Select(s => new PlotSeries(
            (string?)s["label"] ?? "",
            [.. (s["x"] as JsonArray ?? []).Select(ReadNumber)],
            [.. (s["y"] as JsonArray ?? []).Select(ReadNumber)]))],
        json["categories"] is JsonArray categories ? [.. categories.Select(c => (string?)c ?? "")] : null);

    /// <summary>A finite number as a JSON number; NaN and infinities as strings, which JSON has no number for.</summary>
    public static JsonNode? Number(double value) =>
        double.IsFinite(value) ? JsonValue.Create(value) : JsonValue.Create(value.ToString(CultureInfo.InvariantCulture));

    public static double ReadNumber(JsonNode? node) => node is JsonValue v && v.TryGetValue<double>(out double d)
        ? d
        : double.Parse((string?)node ?? "NaN", CultureInfo.InvariantCulture);
}
