using System.Runtime.InteropServices;
using Spectre.Console;

namespace LlmLab.Experiments;

/// <summary>
/// The command line of every experiment project (the generated Main calls <see cref="Run(string[], IReadOnlyList{ExperimentDefinition})"/>):
/// list, describe, run, sweep, run-point, validate, report, compare. Every failure is one line on standard error and
/// an exit code (<see cref="ExitCodes"/>), never a stack trace; Ctrl+C or SIGTERM cancels the run's token and the
/// run stops after its current step returns.
/// </summary>
public static class ExperimentHost
{
    public const ulong DefaultSeed = 1337;
    public const string DefaultBackend = "cpu";
    public const string DefaultRunsRoot = "runs";

    /// <summary>Runs a command on the process's console, with runs under ./runs and Ctrl+C handled.</summary>
    public static int Run(string[] args, IReadOnlyList<ExperimentDefinition> experiments)
    {
        using var cancellation = new CancellationTokenSource();
        var console = HostConsole.ForProcess();
        void OnCancel(object? sender, ConsoleCancelEventArgs e)
        {
            // The first Ctrl+C asks the run to stop after a checkpoint; a second one ends the process at once.
            if (cancellation.IsCancellationRequested) return;
            e.Cancel = true;
            console.Fail("stopping: the current step saves a checkpoint and returns (Ctrl+C again to kill)");
            cancellation.Cancel();
        }
        Console.CancelKeyPress += OnCancel;
        using var terminate = OnSigterm(console, cancellation);
        try
        {
            return Run(args, experiments, console, DefaultRunsRoot, cancellation.Token);
        }
        finally
        {
            Console.CancelKeyPress -= OnCancel;
        }
    }

    /// <summary>
    /// SIGTERM as Ctrl+C: what schedulers send to stop a job (Slurm's scancel, a time limit or a preemption; a
    /// Kubernetes pod being deleted), with a grace period before SIGKILL. The first one cancels the run, so the
    /// trainer writes a checkpoint and the run (and a sweep's point) is marked "interrupted", to be resumed; a
    /// second one ends the process at once. Null where the platform has no SIGTERM.
    /// </summary>
    private static PosixSignalRegistration? OnSigterm(HostConsole console, CancellationTokenSource cancellation)
    {
        try
        {
            return PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
            {
                if (cancellation.IsCancellationRequested) return;
                context.Cancel = true;
                console.Fail("stopping on SIGTERM: the current step saves a checkpoint and returns");
                cancellation.Cancel();
            });
        }
        catch (PlatformNotSupportedException)
        {
            return null;
        }
    }

    /// <summary>Runs a command writing plain text (no colour, no live display) to <paramref name="output"/>, errors too; for tests and tools.</summary>
    public static int Run(string[] args, IReadOnlyList<ExperimentDefinition> experiments, TextWriter output, string runsRoot, CancellationToken cancellation = default) =>
        Run(args, experiments, HostConsole.ForWriter(output), runsRoot, cancellation);

    /// <summary>Runs a command on a given Spectre console, with errors to <paramref name="error"/>.</summary>
    public static int Run(string[] args, IReadOnlyList<ExperimentDefinition> experiments, IAnsiConsole console, TextWriter error, string runsRoot, CancellationToken cancellation = default) =>
        Run(args, experiments, new HostConsole(console, error, console.Profile.Capabilities.Interactive), runsRoot, cancellation);

    private static int Run(string[] args, IReadOnlyList<ExperimentDefinition> experiments, HostConsole console, string runsRoot, CancellationToken cancellation)
    {
        var session = new HostSession(experiments, console, runsRoot, cancellation);
        try
        {
            var line = CommandLine.Parse(args);
            if (line.Help)
            {
                console.Line((line.GeneralHelp ? CommandSpec.GeneralUsage() : line.Command.Usage()).TrimEnd('\n'));
                return ExitCodes.Done;
            }
            return line.Command.Name switch
            {
                "list" => CatalogCommands.List(session),
                "describe" => CatalogCommands.Describe(line, session),
                "run" => RunCommand.Execute(line, session),
                "sweep" => SweepCommand.Execute(line, session),
                "run-point" => PointRunner.Execute(line, session),
                "validate" => ValidateCommand.Execute(session),
                "report" => ReportCommand.Execute(line, session),
                "compare" => CompareCommand.Execute(line, session),
                _ => throw new ExperimentConfigException($"unknown command '{line.Command.Name}'"),
            };
        }
        catch (ExperimentConfigException e)
        {
            console.Fail("error: " + e.Message);
            return ExitCodes.BadUsage;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            console.Fail("error: " + e.Message);
            return ExitCodes.RunFailed;
        }
        catch (Exception e)
        {
            // A bug in the host or a binder: still one line, never a stack trace on the console.
            console.Fail($"internal error: {e.GetType().Name}: {e.Message}");
            return ExitCodes.RunFailed;
        }
    }
}
