using LlmLab.Models.HuggingFace;
using LlmLab.Nn;

namespace LlmLab.Peft;

/// <summary>
/// IA3 over a whole model (Liu et al. 2022; peft's get_peft_model with an IA3Config): freeze everything, then give
/// each targeted linear module a learned vector at 1 that scales its output, or its input for a feed-forward module.
/// Trainable parameters, as peft counts them: Σ over targeted modules of in_features (feed-forward) or out_features
/// (the others). peft's defaults give GPT-2 L (3C + H) (c_attn's q, k and v, mlp.c_proj's input), Llama
/// L (2 kv + H) (kv = key/value heads × head size), BERT L (3C + I) ("output.dense" also ends attention.output.dense,
/// both feed-forward) and T5 Le (2 inner + F) + Ld (4 inner + F) (inner = heads × d_kv, F = d_ff).
/// </summary>
public static class Ia3
{
    /// <summary>
    /// Attaches IA3 to the Linear layers of <paramref name="model"/> whose LlmLab dotted names ("h.0.attn.k_proj")
    /// <paramref name="config"/> targets and freezes everything else; returns those names.
    /// </summary>
    public static IReadOnlyList<string> Apply(Module model, Ia3Config config) => Attach(model, Layers(model), config);

    /// <summary>As <see cref="Apply(Module, Ia3Config)"/> over the Hugging Face module paths peft matches
    /// ("transformer.h.0.attn.c_attn": GPT-2's fused q, k, v get one vector of 3C, split over LlmLab's three layers).</summary>
    public static IReadOnlyList<string> Apply(HfModel model, Ia3Config config) => Attach(model.Module, model.LinearModules, config);

    /// <summary>What IA3 with <paramref name="config"/> trains on <paramref name="model"/> (peft's count); attaches nothing.</summary>
    public static long TrainableParameterCount(HfModel model, Ia3Config config) => Count(model.LinearModules, config);

    public static long TrainableParameterCount(Module model, Ia3Config config) => Count(Layers(model), config);

    /// <summary>Every Linear layer of the model (not LoRA's A and B) as a module of its own, under its dotted name.</summary>
    internal static IReadOnlyDictionary<string, IReadOnlyList<LinearSlice>> Layers(Module model) =>
        model.NamedModules()
            .Where(m => m.Module is Linear && !m.Name.EndsWith(".lora_A", StringComparison.Ordinal) && !m.Name.EndsWith(".lora_B", StringComparison.Ordinal))
            .ToDictionary(m => m.Name, m => (IReadOnlyList<LinearSlice>)[new LinearSlice((Linear)m.Module, 0)]);

    /// <summary>A module's vector length: in_features when it is feed-forward, else its (summed) out_features.</summary>
    internal static int Length(IReadOnlyList<LinearSlice> slices, bool feedForward) =>
        feedForward ? slices[0].Layer.InFeatures : slices.Sum(s => s.Layer.OutFeatures);

    private static long Count(IReadOnlyDictionary<string, IReadOnlyList<LinearSlice>> modules, Ia3Config config) =>
        Targeted(modules, config.Validate()).Sum(m => (long)Length(m.Value, config.IsFeedForward(m.Key)));

    private static List<KeyValuePair<string, IReadOnlyList<LinearSlice>>> Targeted(IReadOnlyDictionary<string, IReadOnlyList<LinearSlice>> modules, Ia3Config config)
    {
        var targeted = modules.Where(m => config.Targets(m.Key)).ToList();
        if (targeted.Count == 0)
            throw new ArgumentException(
                $"IA3: no linear module matches the target modules; this model's are {string.Join(", ", modules.Keys.Select(k => k[(k.LastIndexOf('.') + 1)..]).Distinct())} "
                + $"(full paths like '{modules.Keys.FirstOrDefault()}')");
        return targeted;
    }

    private static IReadOnlyList<string> Attach(Module model, IReadOnlyDictionary<string, IReadOnlyList<LinearSlice>> modules, Ia3Config config)
    {
        var targeted = Targeted(modules, config.Validate());
        if (targeted.FirstOrDefault(m => m.Value.Any(s => s.Layer.Ia3Vector is not null)) is { Key: { } adapted })
            throw new InvalidOperationException($"IA3: '{adapted}' already has a vector");
        foreach (var (_, p) in model.NamedParameters()) p.RequiresGrad = false;
        foreach (var (path, slices) in targeted)
            foreach (var slice in slices) slice.Layer.AttachIa3(config.IsFeedForward(path));
        return [.. targeted.Select(m => m.Key)];
    }
}
