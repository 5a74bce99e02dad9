using LlmLab.IO;

namespace LlmLab.Experiments;

/// <summary>Renders a run folder's report.md, report.json and plots/*.png from its files, each written atomically.</summary>
public static class ReportWriter
{
    /// <summary>Writes the report of the run in <paramref name="folder"/>; returns the path of report.md.</summary>
    public static string Write(string folder)
    {
        var report = RunReport.Load(folder);
        var paths = RunPaths.Of(folder);
        Directory.CreateDirectory(paths.Plots);
        foreach (var chart in report.Charts) ChartRenderer.Write(chart, paths.Plots);
        AtomicFile.WriteAllText(paths.ReportJson, JsonReport.Render(report));
        AtomicFile.WriteAllText(paths.ReportMarkdown, MarkdownReport.Render(report));
        return paths.ReportMarkdown;
    }
}
