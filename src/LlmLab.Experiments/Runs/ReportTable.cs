namespace LlmLab.Experiments;

/// <summary>A result table a step recorded: a title, column names, rows of cells, and an optional sentence of the author's (else one is generated).</summary>
public sealed record ReportTable(
    string Title,
    IReadOnlyList<string> Columns,
    IReadOnlyList<IReadOnlyList<ReportCell>> Rows,
    string? Sentence = null);
