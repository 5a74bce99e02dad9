using LlmLab.Nn;
using LlmLab.Random;

namespace LlmLab.Peft;

/// <summary>
/// LoRA over a whole model (PEFT's get_peft_model, merge_adapter, unmerge_adapter, merge_and_unload): freeze
/// everything, then give each targeted <see cref="Linear"/> a trainable low-rank update. A layer's A is drawn from
/// the stream "lora.&lt;layer name&gt;" of the seed, so the adapters do not depend on which other layers are targeted.
/// </summary>
public static class Lora
{
    /// <summary>
    /// Freezes every parameter of <paramref name="model"/> and attaches an adapter to each Linear layer that
    /// <paramref name="config"/> targets; returns those layers with their dotted names. Only A and B train after this,
    /// <c>r (in + out)</c> parameters a layer. None matching is an error that lists the model's Linear layer names.
    /// </summary>
    public static IReadOnlyList<(string Name, Linear Layer)> Apply(Module model, LoraConfig config, ulong seed)
    {
        config.Validate();
        var linears = LinearLayers(model).ToList();
        var targets = linears.Where(l => config.Targets(l.Name)).ToList();
        if (targets.Count == 0)
        {
            var kinds = linears.Select(l => l.Name[(l.Name.LastIndexOf('.') + 1)..]).Distinct();
            throw new ArgumentException(
                $"LoRA: no Linear layer matches the target modules '{string.Join(", ", config.TargetModules)}'; this model's Linear layers are "
                + $"{string.Join(", ", kinds)} (full names like '{linears.FirstOrDefault().Name}'), or use \"{LoraConfig.AllLinear}\"");
        }
        if (targets.FirstOrDefault(t => t.Layer.LoraA is not null) is { Layer: not null } adapted)
            throw new InvalidOperationException($"LoRA: '{adapted.Name}' already has an adapter");

        foreach (var (_, p) in model.NamedParameters()) p.RequiresGrad = false;
        foreach (var (name, layer) in targets) layer.AttachLora(config.Rank, config.Alpha, config.Scale, new RandomStream(seed, "lora." + name));
        return targets;
    }

    /// <summary>Every layer with an adapter, with its dotted name.</summary>
    public static IReadOnlyList<(string Name, Linear Layer)> Adapted(Module model) =>
        [.. LinearLayers(model).Where(l => l.Layer.LoraA is not null)];

    /// <summary>What LoRA trains: r (in + out) for each adapted layer.</summary>
    public static long TrainableParameterCount(IEnumerable<Linear> layers, int rank) =>
        layers.Sum(l => (long)rank * (l.InFeatures + l.OutFeatures));

    /// <summary>
    /// Switches every adapter off until the result is disposed (peft's disable_adapter): the model computes what its
    /// base computes, so a LoRA policy is its own frozen reference without a second copy of the weights.
    /// </summary>
    public static IDisposable Disable(Module model)
    {
        var layers = Adapted(model).Select(a => a.Layer).Where(l => !l.LoraDisabled).ToArray();
        if (Adapted(model).Count == 0) throw new InvalidOperationException("LoRA: this model has no adapters (apply LoRA first)");
        foreach (var layer in layers) layer.LoraDisabled = true;
        return new Enabler(layers);
    }

    private sealed class Enabler(Linear[] layers) : IDisposable
    {
        public void Dispose()
        {
            foreach (var layer in layers) layer.LoraDisabled = false;
        }
    }

    /// <summary>W += (α/r) B A in every adapted layer (forward is a plain matmul again); returns how many.</summary>
    public static int Merge(Module model) => ForEachAdapted(model, l => l.MergeLora());

    /// <summary>Undoes <see cref="Merge"/> (W within rounding of what it was).</summary>
    public static int Unmerge(Module model) => ForEachAdapted(model, l => l.UnmergeLora());

    /// <summary>Merges every adapter and removes it: a plain model of the original shape and names (PEFT's merge_and_unload).</summary>
    public static int MergeAndUnload(Module model) => ForEachAdapted(model, l =>
    {
        l.MergeLora();
        l.DetachLora();
    });

    private static int ForEachAdapted(Module model, Action<Linear> action)
    {
        var adapted = Adapted(model);
        if (adapted.Count == 0) throw new InvalidOperationException("LoRA: this model has no adapters (apply LoRA first)");
        foreach (var (_, layer) in adapted) action(layer);
        return adapted.Count;
    }

    // The model's own Linear layers: an adapter's lora_A and lora_B are Linear too, but never targets.
    private static IEnumerable<(string Name, Linear Layer)> LinearLayers(Module model) =>
        model.NamedModules()
            .Where(m => m.Module is Linear && !m.Name.EndsWith(".lora_A", StringComparison.Ordinal) && !m.Name.EndsWith(".lora_B", StringComparison.Ordinal))
            .Select(m => (m.Name, (Linear)m.Module));
}
