using System.Text.Json.Nodes;
using LlmLab.Nn;

namespace LlmLab.Peft;

/// <summary>
/// BitFit's files, an LlmLab layout (peft has no BitFit type): adapter_config.json with "peft_type": "BITFIT" and
/// "include_norms", and adapter_model.safetensors holding each trained vector under the model's own dotted parameter
/// name ("h.0.attn.q_proj.bias"; BERT's and T5's names are transformers' names), f32 and 1-D as in the model.
/// </summary>
public static class BitFitAdapter
{
    public const string PeftType = "BITFIT";

    /// <summary>Writes the vectors BitFit trains in <paramref name="model"/> (whatever they hold now).</summary>
    public static void Save(Module model, string folder, bool includeNorms = false)
    {
        var selected = BitFit.Selected(model, includeNorms);
        if (selected.Count == 0) throw new InvalidOperationException("BitFit: this model has no bias terms to save");
        var config = new JsonObject { ["peft_type"] = PeftType, ["include_norms"] = includeNorms };
        AdapterFolder.Write(folder, config, selected.Select(p => (p.Name, p.Parameter.Data.ToArray<float>(), p.Parameter.Shape.ToArray())));
    }

    /// <summary>
    /// Reads the vectors into <paramref name="model"/> and freezes it as <see cref="BitFit.Apply"/> does. Every
    /// vector BitFit trains must be in the file with its shape, and nothing else; otherwise nothing is written.
    /// </summary>
    public static void Load(Module model, string folder)
    {
        var config = AdapterFolder.ReadConfig(folder, PeftType);
        bool includeNorms = config["include_norms"] is JsonValue v && v.TryGetValue(out bool b) && b;
        var selected = BitFit.Selected(model, includeNorms);
        var values = new List<float[]>();
        using (var file = AdapterFolder.OpenWeights(folder))
        {
            var unused = new HashSet<string>(file.Names);
            foreach (var (name, p) in selected) values.Add(AdapterFolder.Read(file, name, p.Shape.ToArray(), unused));
            AdapterFolder.RequireAllUsed(file, unused, "BitFit's tensors are the model's bias" + (includeNorms ? " and norm" : "") + " parameters");
        }
        BitFit.Apply(model, includeNorms);
        for (int i = 0; i < selected.Count; i++) AdapterFolder.Assign(selected[i].Parameter, values[i]);
    }
}
