using System.Diagnostics;
using LlmLab.Autograd;
using LlmLab.Backends;
using LlmLab.IO;
using LlmLab.Nn;
using LlmLab.Tensors;

namespace LlmLab.Training;

/// <summary>
/// The training loop (nanoGPT's train.py): each optimizer step averages the gradients of
/// <see cref="TrainingOptions.GradientAccumulation"/> micro-batches, clips them by global norm, stops with
/// <see cref="TrainingDivergedException"/> if the loss or norm is not finite (before the weights are touched), and
/// takes an AdamW step at the schedule's learning rate. Every step is reported (<see cref="StepCompleted"/>) and
/// appended to metrics.jsonl; validation loss and checkpoints come at their intervals. Given files, a trainer
/// resumes from the newest intact checkpoint there (removing unfinished ones, passing over damaged ones), and the
/// resumed run is bit-identical to an uninterrupted one on the cpu backend: batches are a function of their index,
/// the schedule of the step, and the checkpoint holds the weights, the moments and both counters.
/// </summary>
public sealed class Trainer : IDisposable
{
    private readonly Module _model;
    private readonly Func<Tape, TrainingBatch, Variable> _loss;
    private readonly IBatchSource _train;
    private readonly IBatchSource? _validation;
    private readonly List<(string Name, Variable Parameter)> _trainable;
    private readonly AdamWOptimizer _optimizer;
    private readonly LearningRateSchedule _schedule;
    private readonly MetricsLog? _metrics;

    /// <summary>
    /// A trainer for <paramref name="model"/>'s unfrozen parameters (frozen ones are left alone and still
    /// checkpointed); <paramref name="loss"/> records a micro-batch's scalar loss on the tape (for a GPT:
    /// <c>(tape, b) =&gt; gpt.Loss(tape, b.Inputs, b.Targets)</c>). Checkpoints and metrics go where
    /// <paramref name="files"/> says; null keeps everything in memory (and nothing resumes).
    /// </summary>
    public Trainer(IBackend backend, Module model, Func<Tape, TrainingBatch, Variable> loss, TrainingOptions options,
        IBatchSource train, IBatchSource? validation = null, TrainerFiles? files = null)
    {
        Backend = backend;
        _model = model;
        _loss = loss;
        Options = options.Validate();
        _train = train;
        _validation = validation;
        Files = files;
        _trainable = model.NamedParameters().Where(p => p.Parameter.RequiresGrad).ToList();
        if (_trainable.Count == 0) throw new ArgumentException("trainer: every parameter of the model is frozen; nothing to train");
        _optimizer = new AdamWOptimizer(backend, _trainable.Select(p => (p.Name, p.Parameter.Data)), options.WeightDecay, options.Decay,
            options.Beta1, options.Beta2, options.Epsilon);
        _schedule = options.Schedule();
        if (files is not null) _metrics = new MetricsLog(files.MetricsFile);
    }

    public IBackend Backend { get; }
    public TrainingOptions Options { get; }
    public TrainerFiles? Files { get; }
    public string? CheckpointFolder => Files?.CheckpointFolder;

    /// <summary>Optimizer steps done so far (after a resume, counted from the start of the run).</summary>
    public int Step { get; private set; }

    public long TrainableParameterCount => _trainable.Sum(p => p.Parameter.Data.ElementCount);

    /// <summary>
    /// More figures for each step's line in metrics.jsonl (named without the stage prefix, which is added), read after
    /// the step: what the loss function measured, say. They share the trainer's line, so a resume trims them with it.
    /// </summary>
    public Func<IEnumerable<(string Name, double Value)>>? StepMetrics { get; set; }

    public event Action<TrainingStepReport>? StepCompleted;
    public event Action<ValidationReport>? Validated;
    /// <summary>Raised with the checkpoint folder each time one is written.</summary>
    public event Action<string>? CheckpointSaved;
    /// <summary>Raised with the checkpoint a run resumes from, before its first step.</summary>
    public event Action<TrainingCheckpoint>? Resumed;
    /// <summary>Raised with a checkpoint folder a resume passed over and why (a file damaged or missing): the resume goes on from an older one.</summary>
    public event Action<string, string>? CheckpointRejected;

    /// <summary>
    /// Trains up to <see cref="TrainingOptions.Steps"/>. When <paramref name="cancellation"/> fires, the step in
    /// progress finishes, a checkpoint is written and the result says <see cref="TrainingResult.Interrupted"/>.
    /// </summary>
    public TrainingResult Train(CancellationToken cancellation = default)
    {
        int resumedFrom = ResumeFromLatestCheckpoint();
        // A resumed run's losses so far are in metrics.jsonl (trimmed to the checkpoint): the result is the whole run's.
        var (firstValidation, lastLoss, lastValidation) = RecordedLosses();
        string? lastCheckpoint = null;
        long tokens = 0;
        double seconds = 0;
        if (Step == 0) firstValidation = lastValidation = Evaluate();

        while (Step < Options.Steps)
        {
            if (cancellation.IsCancellationRequested)
            {
                lastCheckpoint = Checkpoint();
                return Result(true);
            }
            var report = TrainStep();
            lastLoss = report.Loss;
            tokens += (long)Math.Round(report.TokensPerSecond * report.Milliseconds / 1000);
            seconds += report.Milliseconds / 1000;
            bool last = Step == Options.Steps;
            if (last || Options.EvaluationInterval > 0 && Step % Options.EvaluationInterval == 0)
                lastValidation = Evaluate();
            FaultInjection.Pause("step", Step);
            if (Files is not null && (last || Options.CheckpointInterval > 0 && Step % Options.CheckpointInterval == 0))
                lastCheckpoint = Checkpoint();
        }
        return Result(false);

        TrainingResult Result(bool interrupted) =>
            new(Step, resumedFrom, interrupted, lastLoss, lastValidation, Throughput(tokens, seconds), lastCheckpoint) { FirstValidationLoss = firstValidation };
    }

    /// <summary>One optimizer step over its micro-batches; public for benchmarks and tests.</summary>
    public TrainingStepReport TrainStep()
    {
        var clock = Stopwatch.StartNew();
        int accumulation = Options.GradientAccumulation, tokens = 0;
        float lossSum = 0;
        for (int micro = 0; micro < accumulation; micro++)
        {
            using var batch = _train.Batch(Backend, (long)Step * accumulation + micro);
            using var tape = new Tape(Backend);
            var loss = _loss(tape, batch);
            tape.Backward(accumulation == 1 ? loss : tape.Scale(loss, 1f / accumulation));
            lossSum += loss.Data.ToArray<float>()[0];
            tokens += batch.Tokens;
        }
        float meanLoss = lossSum / accumulation;

        var gradients = new Dictionary<string, Tensor>(_trainable.Count);
        foreach (var (name, p) in _trainable)
            gradients[name] = p.Grad ?? throw new InvalidOperationException(
                $"trainer: parameter '{name}' got no gradient; the loss does not depend on it (freeze it, or check the model)");
        var (norm, scale) = GradientClipping.Compute(Backend, gradients.Values.ToList(), Options.MaxGradientNorm > 0 ? Options.MaxGradientNorm : float.MaxValue);
        if (!float.IsFinite(meanLoss) || !double.IsFinite(norm))
        {
            ZeroGradients();
            // The diverged step stays in the record (a NaN is a value metrics.jsonl keeps), so the report shows where it went.
            _metrics?.Append(Step + 1, (Metric("train_loss"), meanLoss), (Metric("grad_norm"), norm), (Metric("lr"), _schedule.At(Step)));
            string where = CheckpointFolder is not null && TrainingCheckpoint.Folders(CheckpointFolder) is [var saved, ..]
                ? $"the last checkpoint ({saved}) is intact"
                : "no checkpoint was written";
            throw new TrainingDivergedException(
                $"training diverged at step {Step + 1}: the loss is {meanLoss} and the gradient norm {norm}; the weights were not updated and {where}. Try a lower learning rate or a longer warm-up.");
        }
        float learningRate = _schedule.At(Step);
        _optimizer.Step(gradients, learningRate, Options.MaxGradientNorm > 0 ? scale : 1f);
        ZeroGradients();
        Step++;

        double ms = clock.Elapsed.TotalMilliseconds;
        var report = new TrainingStepReport(Step, Options.Steps, meanLoss, norm, learningRate, ms, tokens / (ms / 1000));
        _metrics?.Append(Step, [(Metric("train_loss"), meanLoss), (Metric("grad_norm"), norm), (Metric("lr"), learningRate), (Metric("ms"), ms),
            (Metric("tokens_per_second"), report.TokensPerSecond), .. (StepMetrics?.Invoke() ?? []).Select(m => (Metric(m.Name), m.Value))]);
        StepCompleted?.Invoke(report);
        return report;
    }

    /// <summary>Mean loss over the validation source's first <see cref="TrainingOptions.EvaluationBatches"/> batches (no gradients).</summary>
    public float? Evaluate()
    {
        if (_validation is null) return null;
        float sum = 0;
        for (int i = 0; i < Options.EvaluationBatches; i++)
        {
            using var batch = _validation.Batch(Backend, i);
            using var tape = new Tape(Backend, recordGradients: false);
            sum += _loss(tape, batch).Data.ToArray<float>()[0];
        }
        float loss = sum / Options.EvaluationBatches;
        _metrics?.Append(Step, (Metric("val_loss"), loss));
        Validated?.Invoke(new ValidationReport(Step, loss));
        return loss;
    }

    /// <summary>Writes a checkpoint of the current step (and prunes old ones); returns its folder.</summary>
    public string Checkpoint()
    {
        if (CheckpointFolder is null) throw new InvalidOperationException("trainer: no files were given, so no checkpoints");
        var saved = TrainingCheckpoint.Save(CheckpointFolder, _model, _optimizer, Step, (long)Step * Options.GradientAccumulation, _train.Description,
            (_train as IStatefulBatchSource)?.State);
        foreach (var old in Directory.EnumerateDirectories(CheckpointFolder, "step-*").Order(StringComparer.Ordinal).SkipLast(Options.KeepCheckpoints))
            Directory.Delete(old, recursive: true);
        CheckpointSaved?.Invoke(saved.Folder);
        return saved.Folder;
    }

    public void Dispose()
    {
        ZeroGradients();
        _optimizer.Dispose();
    }

    private int ResumeFromLatestCheckpoint()
    {
        if (CheckpointFolder is null) return 0;
        TrainingCheckpoint.RemoveUnfinished(CheckpointFolder);
        if (RestoreNewestIntact(CheckpointFolder) is not { } checkpoint)
        {
            // Starting over: what an attempt that died before its first checkpoint wrote is written again.
            _metrics?.TruncateAfter(-1, OwnMetrics);
            return 0;
        }
        Step = checkpoint.Step;
        _metrics?.TruncateAfter(Step, OwnMetrics);
        Resumed?.Invoke(checkpoint);
        return Step;
    }

    // The newest checkpoint whose state reads and whose files match their checksums, restored; a damaged one is
    // reported and passed over. Damage is no reason to train from the start unasked: with checkpoints but none
    // intact, the resume stops. A checkpoint of other data or batching is refused outright.
    private TrainingCheckpoint? RestoreNewestIntact(string checkpoints)
    {
        var damaged = new List<string>();
        foreach (string folder in TrainingCheckpoint.Folders(checkpoints))
        {
            try
            {
                var checkpoint = TrainingCheckpoint.Read(folder);
                CheckResumable(checkpoint);
                checkpoint.Restore(_model, _optimizer);   // verifies the checksums before it writes anything
                (_train as IStatefulBatchSource)?.Restore(checkpoint.SourceState);
                return checkpoint;
            }
            catch (DamagedFileException e)
            {
                damaged.Add(e.Message);
                CheckpointRejected?.Invoke(folder, e.Message);
            }
        }
        if (damaged.Count > 0)
            throw new InvalidDataException($"no intact checkpoint in {checkpoints}: {string.Join("; ", damaged)}. Delete it to train from the start.");
        return null;
    }

    private void CheckResumable(TrainingCheckpoint checkpoint)
    {
        if (checkpoint.Data != _train.Description)
            throw new InvalidDataException(
                $"cannot resume from {checkpoint.Folder}: it was trained on {checkpoint.Data}, this run reads {_train.Description}");
        if (checkpoint.NextBatch != (long)checkpoint.Step * Options.GradientAccumulation)
            throw new InvalidDataException(
                $"cannot resume from {checkpoint.Folder}: it read {checkpoint.NextBatch} batches in {checkpoint.Step} steps, which does not match gradient accumulation {Options.GradientAccumulation}");
    }

    private void ZeroGradients()
    {
        foreach (var (_, p) in _trainable) p.ZeroGrad();
    }

    private string Metric(string name) => (Files?.MetricPrefix ?? "") + name;

    // Each of the trainer's lines carries one of these: what a resume trims.
    private string[] OwnMetrics => [Metric("train_loss"), Metric("val_loss")];

    // The validation loss at step 0, the last step's loss and the last validation loss recorded so far.
    private (float? FirstValidation, float? LastLoss, float? LastValidation) RecordedLosses()
    {
        if (_metrics is null || Step == 0) return (null, null, null);
        var series = MetricsLog.Read(_metrics.Path);
        var train = series.FirstOrDefault(s => s.Name == Metric("train_loss"));
        var validation = series.FirstOrDefault(s => s.Name == Metric("val_loss"));
        float? first = validation?.Points[0] is { Step: 0 } start ? (float)start.Value : null;
        return (first, train is null ? null : (float)train.Final, validation is null ? null : (float)validation.Final);
    }

    private static double Throughput(long tokens, double seconds) => seconds > 0 ? tokens / seconds : 0;
}
