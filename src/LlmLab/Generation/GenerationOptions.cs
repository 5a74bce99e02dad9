using LlmLab.Backends;

namespace LlmLab.Generation;

/// <summary>
/// How to continue prompts: up to <see cref="MaxNewTokens"/> tokens, chosen by <see cref="Sampling"/> (greedy by
/// default) with draws keyed by <see cref="Seed"/>; a row stops at the first of <see cref="StopTokens"/> (kept in the
/// output, as Hugging Face keeps EOS).
/// </summary>
public sealed record GenerationOptions
{
    public int MaxNewTokens { get; init; } = 32;
    public SamplingOptions Sampling { get; init; } = SamplingOptions.GreedyDecoding;
    public ulong Seed { get; init; }
    public IReadOnlyList<int> StopTokens { get; init; } = [];
    /// <summary>Keep keys and values of earlier positions (the default); false recomputes the whole sequence each step.</summary>
    public bool UseKvCache { get; init; } = true;
}
