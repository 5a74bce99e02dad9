using LlmLab.Autograd;
using LlmLab.Nn;

namespace LlmLab.Peft;

/// <summary>
/// BitFit (Ben Zaken, Ravfogel and Goldberg 2022): every weight frozen, only the bias terms train - each parameter
/// named "bias" (Linear layers, LayerNorms, BERT's cls.predictions.bias), the set peft trains with bias="all".
/// With includeNorms the norm weights (LayerNorm and RmsNorm gains) train as well, which gives the bias-free Llama
/// and T5 something to train. Trainable parameters: the sum of those vectors' lengths, Σ out over Linear layers
/// with a bias + Σ C over LayerNorms with a bias + the other biases (BERT's head: V); with norms + Σ C over norms.
/// For GPT-2 (L blocks, width C, MLP width H): L (7C + H) + C, with norms L (9C + H) + 2C. Llama and T5: 0 without
/// norms (an error), with norms (2L + 1) C for Llama and (2 Le + 3 Ld + 2) C for T5 (Le encoder, Ld decoder blocks).
/// </summary>
public static class BitFit
{
    /// <summary>
    /// Freezes every parameter of <paramref name="model"/> but the ones BitFit trains and returns those, with their
    /// dotted names. A model with none (Llama, T5 without <paramref name="includeNorms"/>) is an error.
    /// </summary>
    public static IReadOnlyList<(string Name, Variable Parameter)> Apply(Module model, bool includeNorms = false)
    {
        var selected = Selected(model, includeNorms);
        if (selected.Count == 0)
            throw new ArgumentException("BitFit: this model has no bias terms (Llama and T5 are bias-free); train the norm weights too (includeNorms)");
        var names = selected.Select(p => p.Name).ToHashSet();
        foreach (var (name, p) in model.NamedParameters()) p.RequiresGrad = names.Contains(name);
        return selected;
    }

    /// <summary>The parameters BitFit trains in <paramref name="model"/>, in the model's order; touches nothing.</summary>
    public static IReadOnlyList<(string Name, Variable Parameter)> Selected(Module model, bool includeNorms = false)
    {
        var norms = includeNorms
            ? model.NamedModules().Where(m => m.Module is Norm).Select(m => m.Name + ".weight").ToHashSet()
            : [];
        return [.. model.NamedParameters().Where(p => IsBias(p.Name) || norms.Contains(p.Name))];
    }

    private static bool IsBias(string name) => name == "bias" || name.EndsWith(".bias", StringComparison.Ordinal);
}
