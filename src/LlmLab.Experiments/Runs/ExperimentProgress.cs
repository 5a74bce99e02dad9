using Spectre.Console;

namespace LlmLab.Experiments;

/// <summary>
/// Progress of a long loop, from <see cref="ExperimentContext.Progress"/>: a live bar on a terminal, otherwise a log
/// line at each quarter of the way (so CI logs and log.txt stay short). Dispose it when the loop ends.
/// </summary>
public sealed class ExperimentProgress : IDisposable
{
    private readonly RunRecorder recorder;
    private readonly Lock gate = new();
    private readonly ManualResetEventSlim finished = new();
    private readonly ManualResetEventSlim started = new();
    private readonly Thread? liveThread;
    private long value;
    private int quartersLogged;
    private bool disposed;
    // True while the live bar shows; false for log lines, or when the bar could not start.
    private volatile bool live;

    internal ExperimentProgress(RunRecorder recorder, string description, long total)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(total);
        this.recorder = recorder;
        Description = description;
        Total = total;
        if (total > 0 && recorder.Console is { } console && recorder.TryStartLiveProgress())
        {
            // Spectre's progress display runs inside a callback; a background thread holds it open while the
            // step's loop reports through this handle.
            liveThread = new Thread(() => ShowLive(console)) { IsBackground = true, Name = "progress" };
            liveThread.Start();
            started.Wait();
        }
    }

    public string Description { get; }
    public long Total { get; }

    /// <summary>How far the loop is, from 0 to <see cref="Total"/>.</summary>
    public long Value
    {
        get { lock (gate) return value; }
        set
        {
            lock (gate) this.value = Math.Clamp(value, 0, Total);
            if (!live) LogQuarters();
        }
    }

    public void Increment(long by = 1)
    {
        lock (gate) value = Math.Clamp(value + by, 0, Total);
        if (!live) LogQuarters();
    }

    public void Dispose()
    {
        if (disposed) return;
        disposed = true;
        finished.Set();
        if (liveThread is not null)
        {
            liveThread.Join();
            recorder.EndLiveProgress();
            recorder.Log.Detail($"{Description}: {Value}/{Total}");
        }
        finished.Dispose();
        started.Dispose();
    }

    private void ShowLive(IAnsiConsole console)
    {
        try
        {
            console.Progress()
                .AutoClear(false)
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
                .Start(context =>
                {
                    var task = context.AddTask(Markup.Escape(Description), maxValue: Total);
                    live = true;
                    started.Set();
                    while (!finished.Wait(100)) task.Value = Value;
                    task.Value = Value;
                    context.Refresh();
                });
        }
        catch (Exception e)
        {
            // A display that cannot start or breaks must not end the run: fall back to log lines.
            live = false;
            recorder.Log.Detail($"progress display stopped: {e.Message}");
        }
        finally
        {
            started.Set();
        }
    }

    // 25%, 50%, 75%, 100%: one line each, however often the loop reports.
    private void LogQuarters()
    {
        if (Total == 0) return;
        int quarters = (int)(Value * 4 / Total);
        string? line = null;
        lock (gate)
        {
            if (quarters > quartersLogged)
            {
                quartersLogged = quarters;
                line = $"{Description}: {Value}/{Total} ({quarters * 25}%)";
            }
        }
        if (line is not null) recorder.Log.Write(line);
    }
}
