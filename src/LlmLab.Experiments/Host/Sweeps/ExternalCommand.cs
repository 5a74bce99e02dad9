using System.ComponentModel;
using System.Diagnostics;

namespace LlmLab.Experiments;

/// <summary>What a scheduler's command printed and how it exited; <see cref="Missing"/> when it is not installed.</summary>
internal sealed record ExternalResult(int ExitCode, string Output, string Error, bool Missing)
{
    public bool Succeeded => !Missing && ExitCode == 0;

    /// <summary>The last non-empty line it wrote to standard error (or output): what a one-line failure quotes.</summary>
    public string LastLine =>
        (Error + "\n" + Output).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? $"exit code {ExitCode}";
}

/// <summary>Runs sbatch, squeue and kubectl: arguments passed as a list (no shell), output captured, a time limit.</summary>
internal static class ExternalCommand
{
    public static ExternalResult Run(string program, IReadOnlyList<string> arguments, string? workingDirectory = null, int timeoutSeconds = 120)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? "",
        };
        foreach (string argument in arguments) start.ArgumentList.Add(argument);
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new Win32Exception($"{program} did not start");
        }
        catch (Win32Exception)
        {
            return new ExternalResult(-1, "", $"{program} is not installed (not found on PATH)", Missing: true);
        }
        using (process)
        {
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(TimeSpan.FromSeconds(timeoutSeconds)))
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit();
                return new ExternalResult(-1, output.Result, $"{program} did not answer in {timeoutSeconds} s", Missing: false);
            }
            return new ExternalResult(process.ExitCode, output.Result, error.Result, Missing: false);
        }
    }
}
