namespace LlmLab.Experiments;

/// <summary><c>report RUNDIR</c>: renders report.md, report.json and the plots again from a run's (or a sweep's) files.</summary>
internal static class ReportCommand
{
    public static int Execute(CommandLine line, HostSession session)
    {
        string folder = line.Arguments[0];
        if (!Directory.Exists(folder)) throw new ExperimentConfigException($"folder '{folder}' does not exist");
        string report = SweepReport.IsSweepFolder(folder) ? SweepReport.Write(folder) : ReportWriter.Write(folder);
        session.Console.Line($"report: {HostConsole.Display(report)}");
        return ExitCodes.Done;
    }
}
