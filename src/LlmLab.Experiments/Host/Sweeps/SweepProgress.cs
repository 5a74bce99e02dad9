namespace LlmLab.Experiments;

/// <summary>
/// What <c>sweep status</c> shows for a point: its own recorded phase, "planned" before it was handed to an
/// executor, or "lost" when it says queued or running but the scheduler no longer has it (cancelled before it
/// started, or killed without a chance to record it).
/// </summary>
internal enum PointView { Planned, Queued, Running, Done, Failed, Interrupted, Lost }

/// <summary>One point's row: where it stands, its recorded state and run status, the task that has it, and why it stopped.</summary>
internal sealed record PointStatus(SweepPoint Point, string Folder, PointView View, PointState? State, RunStatus? Run, string? Job, string? Detail)
{
    public string Name => View.ToString().ToLowerInvariant();

    /// <summary>Queued or running: the executor still has it.</summary>
    public bool InFlight => View is PointView.Queued or PointView.Running;

    /// <summary>What <c>sweep resume</c> hands over again.</summary>
    public bool NeedsRun => View is PointView.Planned or PointView.Failed or PointView.Interrupted or PointView.Lost;
}

/// <summary>
/// The points of a sweep folder as their own files tell it (point.json, run.json), with Slurm's queue as a hint:
/// <c>squeue</c> only confirms that a queued or running point is still there. It is asked once, before the files are
/// read, so a point that ends in between reads as ended rather than lost; when it cannot be asked, the points'
/// own states stand and <see cref="QueueNote"/> says so. Nothing here needs Slurm's accounting (sacct).
/// </summary>
internal sealed record SweepProgress(IReadOnlyList<PointStatus> Points, string? QueueNote)
{
    public static SweepProgress Read(string sweepFolder, SweepRecord sweep, bool askScheduler)
    {
        string? note = null;
        IReadOnlyDictionary<string, string>? queue = null;
        bool slurm = sweep.Submissions.Any(s => s.Executor == SweepExecutor.Slurm);
        if (askScheduler && slurm)
            (queue, note) = SlurmExecutor.Queue();

        var points = new List<PointStatus>();
        foreach (var point in sweep.Points)
        {
            string folder = point.FolderIn(sweepFolder);
            var state = PointState.Read(folder);
            var paths = RunPaths.Of(folder);
            RunStatus? run = null;
            try
            {
                if (File.Exists(paths.Status)) run = RunStatus.Read(paths.Status);
            }
            catch (ExperimentConfigException) { } // a run.json cut short by a kill reads as no run status
            var submission = sweep.LastSubmissionOf(point.Index);
            string? job = state?.Job
                ?? (submission is { Executor: SweepExecutor.Slurm, Job: { } id } ? $"{id}_{point.Index}" : submission?.Job);

            var view = state?.Phase switch
            {
                PointPhase.Queued => PointView.Queued,
                PointPhase.Running => PointView.Running,
                PointPhase.Done => PointView.Done,
                PointPhase.Failed => PointView.Failed,
                PointPhase.Interrupted => PointView.Interrupted,
                _ => run?.State switch
                {
                    RunState.Completed => PointView.Done,
                    RunState.Failed => PointView.Failed,
                    RunState.Interrupted => PointView.Interrupted,
                    RunState.Running => PointView.Running,
                    _ => PointView.Planned,
                },
            };
            string? detail = view switch
            {
                PointView.Failed => run?.Error is { } error ? $"failed in step {run.FailedStep}: {OneLine(error)}" : null,
                PointView.Interrupted => $"stopped at a checkpoint{(run?.FailedStep is { } step ? $" in step {step}" : "")}",
                _ => null,
            };

            // The queue decides only for points handed to Slurm, and only when it could be asked.
            if (view is PointView.Queued or PointView.Running && queue is not null && submission?.Executor == SweepExecutor.Slurm && job is not null)
            {
                if (queue.TryGetValue(job, out string? scheduled))
                    view = scheduled == "PENDING" ? PointView.Queued : PointView.Running;
                else
                {
                    detail = view == PointView.Queued
                        ? "Slurm no longer has it: cancelled before it started, or its script failed before the point began"
                        : "Slurm no longer has it: killed without a chance to stop (SIGKILL, out of memory, a node failure)";
                    view = PointView.Lost;
                }
            }
            points.Add(new PointStatus(point, folder, view, state, run, job, detail));
        }
        return new SweepProgress(points, slurm && askScheduler ? note : null);
    }

    /// <summary>The last <paramref name="count"/> non-empty lines of the point's newest Slurm output, or else of its log.txt.</summary>
    public static (string? File, IReadOnlyList<string> Lines) LastLines(string pointFolder, int count = 5)
    {
        var candidates = Directory.Exists(pointFolder)
            ? Directory.GetFiles(pointFolder, "slurm-*.out").OrderByDescending(File.GetLastWriteTimeUtc).ThenByDescending(f => f, StringComparer.Ordinal).ToList()
            : [];
        string log = Path.Combine(pointFolder, "log.txt");
        if (File.Exists(log)) candidates.Add(log);
        foreach (string file in candidates)
        {
            string[] lines;
            try
            {
                lines = File.ReadAllLines(file);
            }
            catch (IOException)
            {
                continue;
            }
            var last = lines.Where(l => l.Trim().Length > 0).TakeLast(count).ToList();
            if (last.Count > 0) return (file, last);
        }
        return (null, []);
    }

    private static string OneLine(string text) =>
        string.Join(" ", text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}
