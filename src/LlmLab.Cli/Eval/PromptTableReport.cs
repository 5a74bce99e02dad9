using System.Globalization;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace LlmLab.Cli.Eval;

/// <summary>
/// The table report of <c>llmlab prompt-eval</c>: a row per task (and template), shots and metric with the value,
/// its standard error and 95% interval to four decimals, and n; notes below for items that got fewer shots than
/// asked and prompts cut to fit the model.
/// </summary>
public static class PromptTableReport
{
    public static string Write(PromptEvalResult result, int width)
    {
        var rows = result.Rows().ToArray();
        var table = new Table().Border(TableBorder.Simple).Title(Markup.Escape($"{result.Model} on {Path.GetFileName(result.TasksPath)}, seed {result.Seed}"));
        table.AddColumn("task");
        if (result.ByTemplate) table.AddColumn("template");
        table.AddColumn(new TableColumn("shots").RightAligned());
        table.AddColumn("metric");
        table.AddColumn(new TableColumn("value").RightAligned());
        table.AddColumn(new TableColumn("± stderr").RightAligned());
        table.AddColumn(new TableColumn("95% CI").RightAligned());
        table.AddColumn(new TableColumn("n").RightAligned());
        foreach (var s in rows)
        {
            var cells = new List<IRenderable> { new Text(s.Task) };
            if (result.ByTemplate) cells.Add(new Text(s.Template ?? ""));
            cells.Add(new Text(s.ShotsRequested.ToString(CultureInfo.InvariantCulture)));
            cells.Add(new Text(s.Metric));
            cells.Add(new Text(F4(s.Mean)));
            bool single = double.IsNaN(s.StandardError);
            cells.Add(new Text(single ? "N/A" : F4(s.StandardError)));
            cells.Add(new Text(single ? "N/A" : $"{F4(s.Low)} .. {F4(s.High)}"));
            cells.Add(new Text(s.Count.ToString(CultureInfo.InvariantCulture)));
            table.AddRow(cells);
        }

        var notes = new List<string>();
        foreach (var s in rows.Where(r => r.Metric != "acc_norm"))
        {
            string group = $"{Group(s.Task, s.Template)}, {Shots(s.ShotsRequested)}";
            if (s.FewestShots < s.ShotsRequested) notes.Add($"{group}: the file holds fewer for some items (as few as {s.FewestShots})");
            if (s.Truncated > 0) notes.Add($"{group}: {s.Truncated} of {s.Count} prompts cut from the left to fit the model's {result.MaxLength} positions");
        }
        var text = PlainText.Render(width, table);
        return notes.Count == 0 ? text : text + string.Concat(notes.Select(n => n + "\n"));
    }

    private static string Group(string task, string? template) => template is null ? task : $"{task}/{template}";

    private static string Shots(int k) => k == 1 ? "1 shot" : $"{k} shots";

    private static string F4(double v) => v.ToString("F4", CultureInfo.InvariantCulture);
}
