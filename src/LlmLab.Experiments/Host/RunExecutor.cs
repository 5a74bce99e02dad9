using System.Diagnostics;
using System.Reflection;
using LlmLab.Backends;
using LlmLab.IO;
using LlmLab.Training;

namespace LlmLab.Experiments;

/// <summary>How a run ended, and the exit code that goes with it.</summary>
internal sealed record RunOutcome(RunState State, RunPaths Paths, string? Step, string? Error)
{
    public int ExitCode => State switch
    {
        RunState.Completed => ExitCodes.Done,
        RunState.Interrupted => ExitCodes.Interrupted,
        _ => ExitCodes.RunFailed,
    };
}

/// <summary>
/// Runs a bound experiment's steps in a run folder: writes config.yaml, environment.json and run.json first, shows
/// a line per step, turns an exception into a "failed" run (details to log.txt) and Ctrl+C into an "interrupted"
/// one, then writes the report whatever happened.
/// </summary>
internal static class RunExecutor
{
    public static RunOutcome Execute(BoundExperiment bound, RunConfig config, RunPaths paths, IBackend backend, bool resuming, HostSession session)
    {
        var console = session.Console;
        var cancellation = session.Cancellation;
        // A run killed mid-write may have left temporary files (and checkpoint folders, which the trainer removes).
        if (resuming) AtomicFile.RemoveLeftovers(paths.Folder);
        var recorder = new RunRecorder(paths, console);

        if (!resuming || !File.Exists(paths.Config)) AtomicFile.WriteAllText(paths.Config, RunConfigYaml.Write(config));
        if (!File.Exists(paths.Environment)) AtomicFile.WriteAllText(paths.Environment, RunEnvironment.Capture(backend.Name).ToJson());
        var previous = resuming && File.Exists(paths.Status) ? RunStatus.Read(paths.Status) : null;
        var status = new RunStatus(RunState.Running, config.Experiment, bound.Definition.Description,
            previous?.StartedUtc ?? DateTime.UtcNow, Resumes: previous is null ? 0 : previous.Resumes + 1);
        status.Write(paths);

        string folder = HostConsole.Display(paths.Folder);
        console.Line($"{(resuming ? "resuming" : "running")} {config.Experiment} (seed {config.Seed}, backend {config.Backend}{(config.Profile is null ? "" : $", profile {config.Profile}")}) in {folder}");
        recorder.Log.Detail($"{(resuming ? "resumed" : "started")} {config.Experiment}: seed {config.Seed}, backend {config.Backend}, profile {config.Profile ?? "(none)"}, "
            + string.Join(", ", config.Parameters.Select(p => $"{p.Key}={p.Value}")));

        var context = new ExperimentContext(config.Experiment, config.Seed, backend, paths.Folder, cancellation) { IsResuming = resuming };
        context.Attach(recorder);

        RunState state = RunState.Completed;
        string? stoppedStep = null, error = null;
        var steps = bound.Steps;
        for (int i = 0; i < steps.Count; i++)
        {
            var step = steps[i];
            if (cancellation.IsCancellationRequested)
            {
                (state, stoppedStep) = (RunState.Interrupted, step.Name);
                break;
            }
            console.Line($"[{i + 1}/{steps.Count}] {step.Name}");
            recorder.Log.Detail($"step {i + 1}/{steps.Count}: {step.Name}");
            context.StepName = step.Name;
            FaultInjection.Pause("before", step.Name);
            var clock = Stopwatch.StartNew();
            try
            {
                step.Run(context);
            }
            catch (Exception e) when (cancellation.IsCancellationRequested && IsCancellation(e))
            {
                (state, stoppedStep) = (RunState.Interrupted, step.Name);
                break;
            }
            catch (Exception e)
            {
                var cause = Unwrap(e);
                (state, stoppedStep, error) = (RunState.Failed, step.Name, cause.Message);
                recorder.Log.Detail($"step {step.Name} failed:\n{e}");
                break;
            }
            // A step that sees Ctrl+C saves a checkpoint and returns: the run stops here, to be resumed.
            if (cancellation.IsCancellationRequested)
            {
                (state, stoppedStep) = (RunState.Interrupted, step.Name);
                break;
            }
            recorder.Log.Detail($"step {step.Name} done in {NumberFormat.Duration(clock.Elapsed.TotalSeconds)}");
            console.Line($"      done in {NumberFormat.Duration(clock.Elapsed.TotalSeconds)}");
        }
        context.StepName = null;
        if (state == RunState.Interrupted) recorder.Log.Detail($"interrupted in step {stoppedStep}");

        status = status with { State = state, EndedUtc = DateTime.UtcNow, FailedStep = stoppedStep, Error = error };
        status.Write(paths);
        try
        {
            ReportWriter.Write(paths.Folder);
        }
        catch (Exception e)
        {
            // The run's own files are all written; a report that cannot be drawn is a failure of the run, told plainly.
            recorder.Log.Detail($"report failed:\n{e}");
            if (state == RunState.Completed)
            {
                (state, stoppedStep, error) = (RunState.Failed, "report", e.Message);
                (status with { State = state, FailedStep = stoppedStep, Error = error }).Write(paths);
            }
        }
        return new RunOutcome(state, paths, stoppedStep, error);
    }

    private static bool IsCancellation(Exception e) => e switch
    {
        OperationCanceledException => true,
        AggregateException aggregate => aggregate.InnerExceptions.All(IsCancellation),
        TargetInvocationException { InnerException: { } inner } => IsCancellation(inner),
        _ => false,
    };

    private static Exception Unwrap(Exception e) => e switch
    {
        TargetInvocationException { InnerException: { } inner } => Unwrap(inner),
        AggregateException { InnerExceptions.Count: 1 } aggregate => Unwrap(aggregate.InnerExceptions[0]),
        _ => e,
    };
}
