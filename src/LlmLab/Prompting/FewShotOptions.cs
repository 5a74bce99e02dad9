namespace LlmLab.Prompting;

/// <summary>
/// How a few-shot prompt is laid out and continued, with lm-evaluation-harness's defaults: the description, then
/// each shot as input + <see cref="TargetDelimiter"/> + target + <see cref="FewshotDelimiter"/>, then the item's
/// input (<see cref="FewShotContext.Build"/>). Shots are drawn with <see cref="Seed"/> (lm-eval's
/// fewshot_random_seed, 1234); generation stops at the first of <see cref="StopSequences"/> or after
/// <see cref="MaxNewTokens"/> tokens.
/// </summary>
public sealed record FewShotOptions
{
    public const ulong DefaultSeed = 1234;

    /// <summary>Shots per item (fewer when the pool has fewer items of the same task and template).</summary>
    public int Shots { get; init; }
    public ulong Seed { get; init; } = DefaultSeed;
    /// <summary>Text before the shots, as given (lm-eval adds no delimiter after it: end it with one).</summary>
    public string Description { get; init; } = "";
    public string TargetDelimiter { get; init; } = " ";
    public string FewshotDelimiter { get; init; } = "\n\n";
    /// <summary>The stop sequences of generation items; null means lm-eval's default "until": the few-shot delimiter.</summary>
    public IReadOnlyList<string>? Stops { get; init; }
    public int MaxNewTokens { get; init; } = 64;

    /// <summary>The stop sequences in force: <see cref="Stops"/>, else the few-shot delimiter; empty ones never stop.</summary>
    public IReadOnlyList<string> StopSequences => [.. (Stops ?? [FewshotDelimiter]).Where(s => s.Length > 0)];

    /// <summary>This record, or an <see cref="ArgumentException"/> naming a value out of range.</summary>
    public FewShotOptions Validate()
    {
        if (Shots < 0) throw new ArgumentException($"shots must be >= 0, got {Shots}");
        if (MaxNewTokens < 1) throw new ArgumentException($"max new tokens must be >= 1, got {MaxNewTokens}");
        return this;
    }
}
