using System.Text.RegularExpressions;

namespace LlmLab.Peft;

/// <summary>
/// PEFT's LoraConfig: rank r, alpha (the update is scaled by alpha / r, or alpha / √r with rsLoRA) and the layers to adapt. Each entry of
/// <see cref="TargetModules"/> is matched as PEFT matches a list: a plain name ("q_proj", "attn.q_proj") matches a
/// layer whose dotted name is that name or ends with "." and that name; an entry with '*' is a glob over the whole
/// dotted name ("h.*.attn.q_proj", "*.mlp.*"); "all-linear" is every Linear layer except the output head (lm_head).
/// </summary>
public sealed record LoraConfig
{
    public const string AllLinear = "all-linear";

    public int Rank { get; init; } = 8;
    public float Alpha { get; init; } = 16;
    public IReadOnlyList<string> TargetModules { get; init; } = ["q_proj", "v_proj"];

    /// <summary>rsLoRA (Kalajdzievski 2023): scale the update by alpha / √r instead of alpha / r, so that a higher rank
    /// does not learn slower (PEFT's use_rslora).</summary>
    public bool UseRsLora { get; init; }

    public float Scale => UseRsLora ? Alpha / MathF.Sqrt(Rank) : Alpha / Rank;

    /// <summary>"q_proj, v_proj" to ["q_proj", "v_proj"] (commas or spaces between names).</summary>
    public static IReadOnlyList<string> ParseTargets(string text) =>
        text.Split([',', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public bool Targets(string layerName)
    {
        foreach (string target in TargetModules)
        {
            if (target == AllLinear ? layerName != "lm_head" && !layerName.EndsWith(".lm_head", StringComparison.Ordinal)
                : target.Contains('*') ? Glob(target).IsMatch(layerName)
                : layerName == target || layerName.EndsWith("." + target, StringComparison.Ordinal))
                return true;
        }
        return false;
    }

    public LoraConfig Validate()
    {
        if (Rank < 1) throw new ArgumentException($"LoRA: the rank must be at least 1, got {Rank}");
        if (!(Alpha > 0) || !float.IsFinite(Alpha)) throw new ArgumentException($"LoRA: alpha must be a positive number, got {Alpha}");
        if (TargetModules.Count == 0 || TargetModules.Any(string.IsNullOrWhiteSpace))
            throw new ArgumentException("LoRA: name at least one target module (e.g. \"q_proj, v_proj\", \"*.mlp.*\" or \"all-linear\")");
        return this;
    }

    private static Regex Glob(string pattern) => new("^" + Regex.Escape(pattern).Replace(@"\*", ".*") + "$", RegexOptions.CultureInvariant);
}
