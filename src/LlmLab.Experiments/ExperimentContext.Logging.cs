namespace LlmLab.Experiments;

// What a step tells the person watching: log lines and progress of long loops.
public sealed partial class ExperimentContext
{
    /// <summary>One line to the console (under the running step) and to log.txt.</summary>
    public void Log(string message) => Recorder.Log.Write(message);

    /// <summary>
    /// Progress of a loop of <paramref name="total"/> iterations: a live bar on a terminal, otherwise a log line at
    /// each quarter. <c>using var progress = context.Progress("training", steps); ... progress.Increment();</c>
    /// </summary>
    public ExperimentProgress Progress(string description, long total) => new(Recorder, description, total);
}
