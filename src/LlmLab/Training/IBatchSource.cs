using LlmLab.Backends;

namespace LlmLab.Training;

/// <summary>
/// Training data as a pure function of the batch index: batch i is the same whenever and however often it is asked
/// for, so a checkpoint's data position is just the next index, and a resumed run sees exactly the batches an
/// uninterrupted one would have.
/// </summary>
public interface IBatchSource
{
    /// <summary>What a checkpoint records to tell whether a resumed run still reads the same data.</summary>
    string Description { get; }

    TrainingBatch Batch(IBackend backend, long index);
}
