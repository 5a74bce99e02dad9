using System.Globalization;
using LlmLab.Peft;

namespace LlmLab.Experiments;

/// <summary>One point of a LoRA sweep: a rank and the layers adapted ("attention": q, k, v and o; "all-linear").</summary>
public sealed record LoraVariant(int Rank, string Targets)
{
    public const string Attention = "attention";
    private const string AttentionModules = "q_proj,k_proj,v_proj,o_proj";

    public string Label => $"LoRA r{Rank.ToString(CultureInfo.InvariantCulture)}, {Targets}";

    public IReadOnlyList<string> TargetModules => LoraConfig.ParseTargets(Targets == Attention ? AttentionModules : Targets);

    /// <summary>"2:attention, 8:all-linear" to variants; empty: none.</summary>
    public static IReadOnlyList<LoraVariant> Parse(string list, string parameter)
    {
        var variants = new List<LoraVariant>();
        foreach (var part in list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var pieces = part.Split(':', 2, StringSplitOptions.TrimEntries);
            if (pieces.Length != 2 || !int.TryParse(pieces[0], NumberStyles.None, CultureInfo.InvariantCulture, out int rank) || rank < 1
                || pieces[1] is not (Attention or LoraConfig.AllLinear))
                throw new ExperimentConfigException($"{parameter}: '{part}' is not rank:targets, e.g. 8:{Attention} or 8:{LoraConfig.AllLinear}");
            variants.Add(new LoraVariant(rank, pieces[1]));
        }
        return variants;
    }
}
