namespace LlmLab.Training;

/// <summary>Which parameters AdamW decays.</summary>
public enum WeightDecaySelection
{
    /// <summary>Every parameter (torch.optim.AdamW given one parameter group).</summary>
    All,
    /// <summary>
    /// Only tensors of rank >= 2 (matmul weights, and embedding tables, which are rank 2 as in nanoGPT); biases and
    /// norm gains (rank 1) are not decayed - nanoGPT's configure_optimizers.
    /// </summary>
    MatricesOnly,
}
