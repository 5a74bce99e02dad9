namespace LlmLab.Experiments;

/// <summary>
/// A way to fine-tune, as the peft-methods recipe names them: every weight, a reparameterisation (LoRA, and LoRA over
/// a quantised base: QLoRA), a selection (BitFit: the biases) or an addition (IA3's scaling vectors, Houlsby's
/// bottleneck adapters, prompt tuning's soft prompt, prefix tuning's past keys and values).
/// </summary>
public enum PeftMethod { Full, Lora, Qlora, BitFit, Ia3, Adapters, PromptTuning, PrefixTuning }

public static class PeftMethods
{
    private static readonly (string Name, PeftMethod Method)[] Names =
    [
        ("full", PeftMethod.Full), ("lora", PeftMethod.Lora), ("qlora", PeftMethod.Qlora), ("bitfit", PeftMethod.BitFit),
        ("ia3", PeftMethod.Ia3), ("adapters", PeftMethod.Adapters), ("prompt-tuning", PeftMethod.PromptTuning),
        ("prefix-tuning", PeftMethod.PrefixTuning),
    ];

    public static string Name(this PeftMethod method) => Names.First(n => n.Method == method).Name;

    /// <summary>"full, lora, ia3" to the methods, in order, without repeats; an unknown name lists the known ones.</summary>
    public static IReadOnlyList<PeftMethod> Parse(string list, string parameter)
    {
        var methods = new List<PeftMethod>();
        foreach (var name in list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var match = Names.FirstOrDefault(n => n.Name.Equals(name, StringComparison.OrdinalIgnoreCase));
            if (match.Name is null)
                throw new ExperimentConfigException($"{parameter}: unknown method '{name}' (the methods: {string.Join(", ", Names.Select(n => n.Name))})");
            if (!methods.Contains(match.Method)) methods.Add(match.Method);
        }
        return methods.Count > 0 ? methods : throw new ExperimentConfigException($"{parameter}: name at least one method");
    }
}
