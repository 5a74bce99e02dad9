using LlmLab.Tensors;

namespace LlmLab.Training;

/// <summary>
/// One micro-batch on the training backend: model inputs (token ids [batch, time]) and targets (i64, -100 where no
/// loss is taken), and how many tokens it holds (for tokens/s). Encoder models may add an attention mask (non-zero =
/// attend) and encoder-decoder models the decoder's inputs. Disposing frees every tensor.
/// </summary>
public sealed class TrainingBatch(Tensor inputs, Tensor targets, int tokens) : IDisposable
{
    public Tensor Inputs { get; } = inputs;
    public Tensor Targets { get; } = targets;
    public int Tokens { get; } = tokens;
    /// <summary>[batch, time], non-zero where the input is a real token (BERT's attention_mask).</summary>
    public Tensor? AttentionMask { get; init; }
    /// <summary>[batch, targetTime]: the decoder's inputs (targets shifted right after the start token), for T5.</summary>
    public Tensor? DecoderInputs { get; init; }

    public void Dispose()
    {
        Inputs.Dispose();
        Targets.Dispose();
        AttentionMask?.Dispose();
        DecoderInputs?.Dispose();
    }
}
