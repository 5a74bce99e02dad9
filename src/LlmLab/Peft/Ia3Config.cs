using LlmLab.Models;
using LlmLab.Nn;

namespace LlmLab.Peft;

/// <summary>
/// peft's IA3Config: the modules that get a vector (<see cref="TargetModules"/>, or one regular expression in
/// <see cref="TargetRegex"/>) and those of them that are feed-forward (scaled at their input, not their output).
/// Matching is peft's: a target entry is the module's path or a dotted suffix of it, a feed-forward entry need
/// only end the path, a regular expression must match the whole path. <see cref="For(string)"/> gives peft's
/// default for a transformers model type, <see cref="For(GptConfig)"/> the same choice in LlmLab's GPT names.
/// </summary>
public sealed record Ia3Config
{
    public IReadOnlyList<string>? TargetModules { get; init; }
    public string? TargetRegex { get; init; }
    public IReadOnlyList<string>? FeedforwardModules { get; init; }
    public string? FeedforwardRegex { get; init; }
    public IReadOnlyList<string>? ExcludeModules { get; init; }
    public string? ExcludeRegex { get; init; }

    public bool Targets(string path) =>
        !ModuleMatch.Targets(path, ExcludeModules, ExcludeRegex) && ModuleMatch.Targets(path, TargetModules, TargetRegex);

    public bool IsFeedForward(string path) => ModuleMatch.EndsWith(path, FeedforwardModules, FeedforwardRegex);

    public Ia3Config Validate()
    {
        if ((TargetModules is null) == (TargetRegex is null))
            throw new ArgumentException("IA3: give the target modules as a list or as one regular expression");
        if (TargetModules is { } targets && (targets.Count == 0 || targets.Any(string.IsNullOrWhiteSpace)))
            throw new ArgumentException("IA3: name at least one target module (e.g. \"k_proj, v_proj, down_proj\")");
        // peft's __post_init__: feed-forward modules, when both are lists, are some of the targets.
        if (TargetModules is { } list && FeedforwardModules?.FirstOrDefault(f => !list.Contains(f)) is { } stray)
            throw new ArgumentException($"IA3: feed-forward module '{stray}' is not among the target modules [{string.Join(", ", list)}]");
        return this;
    }

    /// <summary>peft's defaults (TRANSFORMERS_MODELS_TO_IA3_*_MODULES_MAPPING) for gpt2, llama, bert and t5.</summary>
    public static Ia3Config For(string modelType) => modelType switch
    {
        "gpt2" => new() { TargetModules = ["c_attn", "mlp.c_proj"], FeedforwardModules = ["mlp.c_proj"] },
        "llama" => new() { TargetModules = ["k_proj", "v_proj", "down_proj"], FeedforwardModules = ["down_proj"] },
        "bert" => new() { TargetModules = ["key", "value", "output.dense"], FeedforwardModules = ["output.dense"] },
        "t5" => new() { TargetModules = ["k", "v", "wo"], FeedforwardModules = ["wo"] },
        _ => throw new ArgumentException($"IA3: no default target modules for model type '{modelType}'; name them"),
    };

    /// <summary>Keys, values and the MLP's down projection (fed its inner activation) of LlmLab's GPT.</summary>
    public static Ia3Config For(GptConfig config) => config.Mlp == MlpKind.SwiGlu
        ? new() { TargetModules = ["k_proj", "v_proj", "down_proj"], FeedforwardModules = ["down_proj"] }
        : new() { TargetModules = ["k_proj", "v_proj", "mlp.c_proj"], FeedforwardModules = ["mlp.c_proj"] };
}
