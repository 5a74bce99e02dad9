namespace LlmLab.Peft;

/// <summary>
/// peft's PrefixTuningConfig: <see cref="NumVirtualTokens"/> learned keys and values per layer, taken from a table
/// directly or, with <see cref="PrefixProjection"/>, computed by peft's reparameterisation MLP whose hidden width is
/// <see cref="EncoderHiddenSize"/> (null: token_dim, peft's default). <see cref="ZeroInit"/> is peft's
/// init_weights "zero": the table (or the MLP's last layer) starts at zero.
/// </summary>
public sealed record PrefixTuningConfig
{
    public int NumVirtualTokens { get; init; } = 20;
    public bool PrefixProjection { get; init; }
    public int? EncoderHiddenSize { get; init; }
    public bool ZeroInit { get; init; }

    public PrefixTuningConfig Validate()
    {
        if (NumVirtualTokens < 1) throw new ArgumentException($"prefix tuning: num_virtual_tokens must be at least 1, got {NumVirtualTokens}");
        if (EncoderHiddenSize is < 1) throw new ArgumentException($"prefix tuning: encoder_hidden_size must be at least 1, got {EncoderHiddenSize}");
        return this;
    }
}
