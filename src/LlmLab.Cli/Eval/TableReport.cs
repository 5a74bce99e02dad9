using System.Globalization;
using LlmLab.Evaluation;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace LlmLab.Cli.Eval;

/// <summary>
/// The table report of <c>llmlab eval</c>, rendered with Spectre.Console (plain text, no colour codes, so it can
/// be redirected): one row per case, then the corpus scores. F1 with four decimals, BLEU and chrF with two
/// (sacrebleu's width).
/// </summary>
public static class TableReport
{
    public static string Write(EvaluationReport report, EvaluationMetrics metrics, int width)
    {
        return PlainText.Render(width, CaseTable(report, metrics), CorpusTable(report, metrics));
    }

    private static Table CaseTable(EvaluationReport report, EvaluationMetrics metrics)
    {
        var table = new Table().Border(TableBorder.Simple).Title("cases");
        table.AddColumn(new TableColumn("#").RightAligned());
        bool rouge = metrics.HasFlag(EvaluationMetrics.Rouge), bleu = metrics.HasFlag(EvaluationMetrics.Bleu), chrf = metrics.HasFlag(EvaluationMetrics.Chrf);
        if (rouge)
            foreach (string name in (string[])["ROUGE-1 F1", "ROUGE-2 F1", "ROUGE-L F1", "ROUGE-Lsum F1"])
                table.AddColumn(new TableColumn(name).RightAligned());
        if (bleu) table.AddColumn(new TableColumn("BLEU").RightAligned());
        if (chrf) table.AddColumn(new TableColumn("chrF").RightAligned());

        for (int i = 0; i < report.Cases.Count; i++)
        {
            var c = report.Cases[i];
            var cells = new List<IRenderable> { new Text((i + 1).ToString(CultureInfo.InvariantCulture)) };
            if (rouge && c.Rouge is { } r)
                cells.AddRange(new[] { r.Rouge1, r.Rouge2, r.RougeL, r.RougeLsum }.Select(s => new Text(F4(s.F1))));
            if (bleu) cells.Add(new Text(F2(c.Bleu ?? 0)));
            if (chrf) cells.Add(new Text(F2(c.Chrf ?? 0)));
            table.AddRow(cells);
        }
        return table;
    }

    private static Table CorpusTable(EvaluationReport report, EvaluationMetrics metrics)
    {
        var table = new Table().Border(TableBorder.Simple).Title($"corpus ({report.Cases.Count} cases)");
        table.AddColumn("metric");
        table.AddColumn(new TableColumn("score").RightAligned());
        table.AddColumn("detail");
        var corpus = report.Corpus;
        if (metrics.HasFlag(EvaluationMetrics.Bleu) && corpus.Bleu is { } b)
        {
            string ratios = string.Join(' ', b.Counts.Zip(b.Totals, (c, t) => $"{c}/{t}"));
            double ratio = b.RefLen > 0 ? (double)b.SysLen / b.RefLen : 0;
            table.AddRow(new Text("BLEU"), new Text(F2(b.Score)),
                new Text($"{ratios} (BP = {F3(b.BrevityPenalty)} ratio = {F3(ratio)} hyp_len = {b.SysLen} ref_len = {b.RefLen})"));
        }
        if (metrics.HasFlag(EvaluationMetrics.Chrf) && corpus.Chrf is { } chrf)
            table.AddRow(new Text("chrF"), new Text(F2(chrf)), new Text("character order 6, beta 2"));
        if (metrics.HasFlag(EvaluationMetrics.Rouge) && corpus.RougeMean is { } mean)
        {
            foreach (var (name, s) in new[] { ("ROUGE-1", mean.Rouge1), ("ROUGE-2", mean.Rouge2), ("ROUGE-L", mean.RougeL), ("ROUGE-Lsum", mean.RougeLsum) })
                table.AddRow(new Text(name), new Text(F4(s.F1)), new Text($"mean F1; mean P = {F4(s.Precision)} R = {F4(s.Recall)}"));
        }
        return table;
    }

    private static string F2(double v) => v.ToString("F2", CultureInfo.InvariantCulture);

    private static string F3(double v) => v.ToString("F3", CultureInfo.InvariantCulture);

    private static string F4(double v) => v.ToString("F4", CultureInfo.InvariantCulture);
}
