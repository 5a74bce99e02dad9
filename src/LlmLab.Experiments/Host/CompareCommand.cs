using Spectre.Console;

namespace LlmLab.Experiments;

/// <summary><c>compare RUNDIR... [--out DIR]</c>: runs side by side on the console; files only with --out.</summary>
internal static class CompareCommand
{
    public static int Execute(CommandLine line, HostSession session)
    {
        var comparison = CompareReport.Build(line.Arguments);
        var console = session.Console;

        if (comparison.SameConfiguration) console.Line("The runs have the same configuration.");
        else Show(console, comparison.Differences);
        Show(console, comparison.Results);
        console.Line(comparison.Sentence());
        if (comparison.Timings.Rows.Count > 0) Show(console, comparison.Timings);

        if (line.Single("out") is { } folder)
            console.Line($"comparison: {HostConsole.Display(CompareReport.Write(comparison, folder))}");
        return ExitCodes.Done;
    }

    private static void Show(HostConsole console, ReportTable report)
    {
        var table = console.NewTable([.. report.Columns]).Title(Markup.Escape(report.Title));
        foreach (var row in report.Rows) table.AddRow([.. row.Select(c => Markup.Escape(c.ToString()))]);
        console.Write(table);
    }
}
