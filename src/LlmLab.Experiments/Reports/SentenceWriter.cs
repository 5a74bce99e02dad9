using LlmLab.Training;

namespace LlmLab.Experiments;

/// <summary>
/// One plain sentence saying what a table's numbers show, computed from the numbers: for the column that matters
/// most (the first whose name tells which way is better, else the first that varies), which row is best or highest,
/// which worst or lowest, and by how much. Durations are passed over when another column varies, since their order
/// changes from run to run.
/// </summary>
public static class SentenceWriter
{
    public static string ForTable(ReportTable table)
    {
        var rows = table.Rows;
        if (rows.Count == 0) return "The table has no rows.";

        int columnCount = table.Columns.Count;
        int labelColumn = Enumerable.Range(0, columnCount).FirstOrDefault(c => rows.All(r => c < r.Count && !r[c].IsNumeric), -1);
        var numeric = Enumerable.Range(0, columnCount)
            .Where(c => c != labelColumn && rows.All(r => c < r.Count && r[c].IsNumeric))
            .ToList();
        // With no text column the first column names the rows ("step 100").
        if (labelColumn < 0 && numeric.Count > 1) numeric.Remove(0);
        string Label(IReadOnlyList<ReportCell> row) => labelColumn >= 0
            ? row[labelColumn].ToString()
            : $"{table.Columns[0]} {row[0]}";

        if (numeric.Count == 0) return $"{Count(rows.Count, "row")}, none with numbers to compare.";
        if (rows.Count == 1)
            return $"Only one row ({Label(rows[0])}): " + string.Join(", ", numeric.Take(3).Select(c => $"{table.Columns[c]} {rows[0][c]}")) + ".";

        var varying = numeric.Where(c => rows.Select(r => r[c].Number).Distinct().Count() > 1).ToList();
        if (varying.Count == 0)
        {
            int c = numeric[0];
            return $"All {rows.Count} rows have the same {table.Columns[c]} ({rows[0][c]}).";
        }

        int column = varying.FirstOrDefault(c => rows[0][c].Kind != ReportCellKind.Duration && MetricNames.DirectionOf(table.Columns[c]) != Direction.Unknown, -1);
        if (column < 0) column = varying.FirstOrDefault(c => rows[0][c].Kind != ReportCellKind.Duration, varying[0]);

        string name = table.Columns[column];
        double high = rows.Max(r => r[column].Number), low = rows.Min(r => r[column].Number);
        var highCell = rows.First(r => r[column].Number == high)[column];
        var lowCell = rows.First(r => r[column].Number == low)[column];
        string highRows = Names(rows.Where(r => r[column].Number == high).Select(Label).ToList());
        string lowRows = Names(rows.Where(r => r[column].Number == low).Select(Label).ToList());
        string across = rows.Count > 2 ? $" across {rows.Count} rows" : "";

        return MetricNames.DirectionOf(name) switch
        {
            Direction.LowerIsBetter =>
                $"By {name} (lower is better), {lowRows} {Is(lowRows)} best at {lowCell} and {highRows} worst at {highCell} ({Higher(high, low)}){across}.",
            Direction.HigherIsBetter =>
                $"By {name} (higher is better), {highRows} {Is(highRows)} best at {highCell} and {lowRows} worst at {lowCell} ({Lower(high, low)}){across}.",
            _ =>
                $"By {name}, {lowRows} {Is(lowRows)} lowest at {lowCell} and {highRows} highest at {highCell} ({Higher(high, low)}){across}.",
        };
    }

    /// <summary>
    /// The sentence under the final-metrics table: how the first loss (train_loss where there is one) moved from its
    /// first to its last step, and where val_loss ended, or the first other series that is not a timing.
    /// </summary>
    public static string ForMetrics(IReadOnlyList<MetricSeries> series)
    {
        var steady = series.Where(s => !MetricNames.IsTiming(s.Name)).ToList();
        if (steady.Count == 0) return series.Count == 0 ? "No metrics were recorded." : "Only timings were recorded.";
        var main = steady.FirstOrDefault(s => s.Name == "train_loss") ?? steady.FirstOrDefault(s => MetricNames.IsLoss(s.Name)) ?? steady[0];

        string sentence;
        if (main.Points.Count == 1)
            sentence = $"{main.Name} was {NumberFormat.Significant(main.Final)} at step {main.FinalStep}";
        else if (!double.IsFinite(main.Final) || !double.IsFinite(main.Points[0].Value))
            // A diverged loss has no "lower" or "higher": say where it went.
            sentence = $"{main.Name} went from {NumberFormat.Significant(main.Points[0].Value)} at step {main.Points[0].Step} to {NumberFormat.Significant(main.Final)} at step {main.FinalStep}";
        else
        {
            double first = main.Points[0].Value, last = main.Final;
            string change = first == last ? "no change"
                : last < first ? Lower(first, last)
                : Higher(last, first);
            string verb = first == last ? "stayed at" : last < first ? "fell from" : "rose from";
            sentence = first == last
                ? $"{main.Name} stayed at {NumberFormat.Significant(last)} from step {main.Points[0].Step} to step {main.FinalStep}"
                : $"{main.Name} {verb} {NumberFormat.Significant(first)} at step {main.Points[0].Step} to {NumberFormat.Significant(last)} at step {main.FinalStep} ({change})";
        }

        var validation = steady.FirstOrDefault(s => s.Name == "val_loss" && s != main);
        if (validation is not null)
        {
            var best = validation.Points.MinBy(p => p.Value);
            sentence += $"; val_loss ended at {NumberFormat.Significant(validation.Final)}"
                + (best.Step != validation.FinalStep && best.Value < validation.Final
                    ? $", above its lowest, {NumberFormat.Significant(best.Value)} at step {best.Step}"
                    : "");
        }
        return sentence + ".";
    }

    // "9.09% higher", or "3.2× as high" once the larger is at least twice the smaller; a plain difference when the
    // two have different signs or the smaller is zero, where a ratio means nothing.
    private static string Higher(double high, double low)
    {
        if (low == 0 || Math.Sign(high) != Math.Sign(low)) return $"a difference of {NumberFormat.Significant(high - low)}";
        double ratio = high / low;
        if (low < 0) return $"{NumberFormat.Percent((high - low) / Math.Abs(low))} higher";
        return ratio >= 2 ? $"{NumberFormat.Ratio(ratio)}× as high" : $"{NumberFormat.Percent(ratio - 1)} higher";
    }

    // "67% lower": measured against the higher value, so it never passes 100% for positive numbers.
    private static string Lower(double high, double low) =>
        high == 0 || Math.Sign(high) != Math.Sign(low)
            ? $"a difference of {NumberFormat.Significant(high - low)}"
            : $"{NumberFormat.Percent((high - low) / Math.Abs(high))} lower";

    private static string Names(IReadOnlyList<string> labels) => labels.Count switch
    {
        1 => labels[0],
        2 => $"{labels[0]} and {labels[1]}",
        3 => $"{labels[0]}, {labels[1]} and {labels[2]}",
        _ => $"{labels.Count} rows",
    };

    private static string Is(string names) => names.Contains(" and ", StringComparison.Ordinal) || names.EndsWith(" rows", StringComparison.Ordinal) ? "tie for" : "is";

    private static string Count(int n, string noun) => n == 1 ? $"1 {noun}" : $"{n} {noun}s";
}
