using System.Diagnostics;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace LlmLab.Experiments;

/// <summary>environment.json: where a run ran (machine, OS, CPU count, .NET and LlmLab versions, backend, git commit).</summary>
public sealed record RunEnvironment(
    string MachineName,
    string OperatingSystem,
    string Architecture,
    int ProcessorCount,
    string DotNetVersion,
    string LlmLabVersion,
    string Backend,
    string? GitCommit)
{
    public static RunEnvironment Capture(string backend) => new(
        Environment.MachineName,
        RuntimeInformation.OSDescription,
        RuntimeInformation.OSArchitecture.ToString().ToLowerInvariant(),
        Environment.ProcessorCount,
        RuntimeInformation.FrameworkDescription,
        VersionOf(typeof(LlmLab.Backends.IBackend).Assembly),
        backend,
        ReadGitCommit());

    public string ToJson() => new JsonObject
    {
        ["machineName"] = MachineName,
        ["operatingSystem"] = OperatingSystem,
        ["architecture"] = Architecture,
        ["processorCount"] = ProcessorCount,
        ["dotnetVersion"] = DotNetVersion,
        ["llmlabVersion"] = LlmLabVersion,
        ["backend"] = Backend,
        ["gitCommit"] = GitCommit,
    }.ToJsonString(ReportJsonCodec.Options) + "\n";

    private static string VersionOf(Assembly assembly) =>
        assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
        ?? assembly.GetName().Version?.ToString() ?? "unknown";

    /// <summary>The commit of the working directory's repository, or null where there is no git or no repository.</summary>
    private static string? ReadGitCommit()
    {
        try
        {
            using var git = Process.Start(new ProcessStartInfo("git", "rev-parse HEAD")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            });
            if (git is null) return null;
            string output = git.StandardOutput.ReadToEnd().Trim();
            git.StandardError.ReadToEnd();
            if (!git.WaitForExit(5000)) { git.Kill(); return null; }
            return git.ExitCode == 0 && output.Length >= 40 && output.All(Uri.IsHexDigit) ? output : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null; // no git on this machine
        }
    }
}
