using System.Text;

namespace LlmLab.Experiments;

/// <summary>A GitHub-flavoured Markdown table; numeric columns right-aligned, '|' and line breaks in cells escaped.</summary>
public static class MarkdownTable
{
    public static string Render(IReadOnlyList<string> columns, IEnumerable<IReadOnlyList<string>> rows, IReadOnlyList<bool>? rightAligned = null)
    {
        var text = new StringBuilder();
        text.Append("| ").Append(string.Join(" | ", columns.Select(Escape))).Append(" |\n");
        text.Append('|').Append(string.Join("|", columns.Select((_, i) => rightAligned is not null && i < rightAligned.Count && rightAligned[i] ? "---:" : "---"))).Append("|\n");
        foreach (var row in rows)
            text.Append("| ").Append(string.Join(" | ", row.Select(Escape))).Append(" |\n");
        return text.ToString();
    }

    /// <summary>A table of report cells: numbers rounded, durations with units, numeric columns right-aligned.</summary>
    public static string Render(ReportTable table) => Render(
        table.Columns,
        table.Rows.Select(r => (IReadOnlyList<string>)[.. r.Select(c => c.ToString())]),
        [.. table.Columns.Select((_, i) => table.Rows.Count > 0 && table.Rows.All(r => i < r.Count && r[i].IsNumeric))]);

    public static string Escape(string cell) => cell.Replace("|", "\\|").Replace("\r", "").Replace("\n", " ");
}
