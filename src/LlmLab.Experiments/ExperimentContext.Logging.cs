using Spectre.Console;

namespace LlmLab.Experiments;

// What a step tells the person watching: log lines and progress of long loops.
public sealed partial class ExperimentContext
{
    /// <summary>One line to the console (under the running step) and to log.txt.</summary>
    public void Log(string message) => Recorder.Log.Write(message);

    /// <summary>
    /// Text as it arrives (generated tokens), to the console only and without a line break; finish with
    /// <see cref="EndStream"/>. Nothing is shown when the run has no console.
    /// </summary>
    public void Stream(string piece) => Recorder.Console?.Write(new Text(piece));

    /// <summary>Ends a streamed line on the console and writes the whole <paramref name="text"/> to log.txt.</summary>
    public void EndStream(string text)
    {
        Recorder.Console?.WriteLine();
        Recorder.Log.Detail(text);
    }

    /// <summary>
    /// Progress of a loop of <paramref name="total"/> iterations: a live bar on a terminal, otherwise a log line at
    /// each quarter. <c>using var progress = context.Progress("training", steps); ... progress.Increment();</c>
    /// </summary>
    public ExperimentProgress Progress(string description, long total) => new(Recorder, description, total);
}
