using LlmLab.Backends;
using LlmLab.Random;

namespace LlmLab.Experiments;

/// <summary>
/// What a running experiment gets from the host: its seed and named random streams, the backend, its run folder,
/// a log, and cancellation (Ctrl+C). The host adds metric, table and plot recording for reports.
/// </summary>
public sealed partial class ExperimentContext
{
    public ExperimentContext(string experimentName, ulong seed, IBackend backend, string runFolder, CancellationToken cancellation)
    {
        ExperimentName = experimentName;
        Seed = seed;
        Backend = backend;
        RunFolder = runFolder;
        Cancellation = cancellation;
    }

    public string ExperimentName { get; }
    public ulong Seed { get; }
    public IBackend Backend { get; }
    /// <summary>runs/NAME/&lt;UTC time&gt;-&lt;config hash&gt;/ (checkpoints/, plots/ and the reports live here).</summary>
    public string RunFolder { get; }
    public CancellationToken Cancellation { get; }

    /// <summary>A random stream keyed by the run's seed and <paramref name="name"/> (adding draws elsewhere never shifts it).</summary>
    public RandomStream Random(string name) => new(Seed, name);
}
