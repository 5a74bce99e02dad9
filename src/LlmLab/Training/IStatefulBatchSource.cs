namespace LlmLab.Training;

/// <summary>
/// A batch source that is not a pure function of the batch index alone: it carries a little state from batch to batch
/// (PPO's adaptive KL coefficient, say). The trainer saves <see cref="State"/> in each checkpoint and hands it to
/// <see cref="Restore"/> on resume, so a resumed run goes on with what the interrupted one had.
/// </summary>
public interface IStatefulBatchSource : IBatchSource
{
    /// <summary>The state as of the batches read so far, a number a name.</summary>
    IReadOnlyDictionary<string, double> State { get; }

    /// <summary>Takes back a saved <see cref="State"/>; an empty one (a checkpoint from before the state was kept) leaves it as it is.</summary>
    void Restore(IReadOnlyDictionary<string, double> state);
}
