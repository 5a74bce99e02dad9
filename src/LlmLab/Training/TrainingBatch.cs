using LlmLab.Tensors;

namespace LlmLab.Training;

/// <summary>
/// One micro-batch on the training backend: model inputs (token ids [batch, time]) and targets (i64, -100 where no
/// loss is taken), and how many tokens it holds (for tokens/s). Disposing frees both tensors.
/// </summary>
public sealed class TrainingBatch(Tensor inputs, Tensor targets, int tokens) : IDisposable
{
    public Tensor Inputs { get; } = inputs;
    public Tensor Targets { get; } = targets;
    public int Tokens { get; } = tokens;

    public void Dispose()
    {
        Inputs.Dispose();
        Targets.Dispose();
    }
}
