using Spectre.Console;

namespace LlmLab.Experiments;

/// <summary>
/// Progress of a long loop, from <see cref="ExperimentContext.Progress"/>: a live bar on a terminal, otherwise a log
/// line at each quarter of the way (so CI logs and log.txt stay short). Dispose it when the loop ends.
/// </summary>
public sealed class ExperimentProgress : IDisposable
{
    private readonly RunRecorder _recorder;
    private readonly Lock _gate = new();
    private readonly ManualResetEventSlim _finished = new();
    private readonly ManualResetEventSlim _started = new();
    private readonly Thread? _liveThread;
    private long _value;
    private int _quartersLogged;
    private bool _disposed;
    // True while the live bar shows; false for log lines, or when the bar could not start.
    private volatile bool _live;

    internal ExperimentProgress(RunRecorder recorder, string description, long total)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(total);
        _recorder = recorder;
        Description = description;
        Total = total;
        if (total > 0 && recorder.Console is { } console && recorder.TryStartLiveProgress())
        {
            // Spectre's progress display runs inside a callback; a background thread holds it open while the
            // step's loop reports through this handle.
            _liveThread = new Thread(() => ShowLive(console)) { IsBackground = true, Name = "progress" };
            _liveThread.Start();
            _started.Wait();
        }
    }

    public string Description { get; }
    public long Total { get; }

    /// <summary>How far the loop is, from 0 to <see cref="Total"/>.</summary>
    public long Value
    {
        get { lock (_gate) return _value; }
        set
        {
            lock (_gate) _value = Math.Clamp(value, 0, Total);
            if (!_live) LogQuarters();
        }
    }

    public void Increment(long by = 1)
    {
        lock (_gate) _value = Math.Clamp(_value + by, 0, Total);
        if (!_live) LogQuarters();
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _finished.Set();
        if (_liveThread is not null)
        {
            _liveThread.Join();
            _recorder.EndLiveProgress();
            _recorder.Log.Detail($"{Description}: {Value}/{Total}");
        }
        _finished.Dispose();
        _started.Dispose();
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
                    _live = true;
                    _started.Set();
                    while (!_finished.Wait(100)) task.Value = Value;
                    task.Value = Value;
                    context.Refresh();
                });
        }
        catch (Exception e)
        {
            // A display that cannot start or breaks must not end the run: fall back to log lines.
            _live = false;
            _recorder.Log.Detail($"progress display stopped: {e.Message}");
        }
        finally
        {
            _started.Set();
        }
    }

    // 25%, 50%, 75%, 100%: one line each, however often the loop reports.
    private void LogQuarters()
    {
        if (Total == 0) return;
        int quarters = (int)(Value * 4 / Total);
        string? line = null;
        lock (_gate)
        {
            if (quarters > _quartersLogged)
            {
                _quartersLogged = quarters;
                line = $"{Description}: {Value}/{Total} ({quarters * 25}%)";
            }
        }
        if (line is not null) _recorder.Log.Write(line);
    }
}
