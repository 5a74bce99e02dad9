namespace LlmLab.Experiments;

// The run the context belongs to: where its files go, whether it is a resumed run, which step is running.
public sealed partial class ExperimentContext
{
    private RunRecorder? _recorder;

    /// <summary>What this context records into; the host attaches its own, a context made by hand gets one that writes files only.</summary>
    internal RunRecorder Recorder => _recorder ??= RunRecorder.Detached(RunFolder);

    internal void Attach(RunRecorder runRecorder) => _recorder = runRecorder;

    /// <summary>True when the host started this run with <c>run --resume</c>: steps should continue from their checkpoints.</summary>
    public bool IsResuming { get; internal set; }

    /// <summary>The name of the step that is running (null outside a step).</summary>
    public string? StepName { get; internal set; }

    /// <summary>RUNFOLDER/checkpoints/, created on first use: where steps save what a resumed run needs.</summary>
    public string CheckpointFolder => Directory.CreateDirectory(Path.Combine(RunFolder, "checkpoints")).FullName;

    /// <summary>RUNFOLDER/metrics.jsonl: where <see cref="RecordMetrics(long, IReadOnlyDictionary{string, double})"/> writes, and where a trainer should append its lines.</summary>
    public string MetricsFile => Path.Combine(RunFolder, "metrics.jsonl");
}
