using System.Text.Json.Nodes;
using LlmLab.Models.HuggingFace;
using LlmLab.Nn;
using LlmLab.Random;

namespace LlmLab.Peft;

/// <summary>
/// Bottleneck-adapter folders in LlmLab's layout (peft has no such type; AdapterHub saves torch pickles):
/// adapter_config.json with "peft_type": "BOTTLENECK", task_type, and AdapterHub's DoubleSeqBnConfig keys
/// (architecture "bottleneck", mh_adapter, output_adapter, reduction_factor, non_linearity, original_ln_after,
/// residual_before_ln, init_weights "bert") with hidden_size and num_layers; adapter_model.safetensors with, for
/// every block (LlmLab's path: "h.&lt;i&gt;", BERT's "bert.encoder.layer.&lt;i&gt;", T5's "encoder.block.&lt;i&gt;" then
/// "decoder.block.&lt;i&gt;", num_layers counting both stacks) and adapter a in attn_adapter,
/// mlp_adapter, "&lt;block&gt;.&lt;a&gt;.adapter_down.weight" [m, C], ".adapter_down.bias" [m],
/// ".adapter_up.weight" [C, m] and ".adapter_up.bias" [C] (LlmLab's names).
/// </summary>
public static class HoulsbyAdapter
{
    public const string PeftType = "BOTTLENECK";

    private static readonly string[] Adapters = ["attn_adapter", "mlp_adapter"];
    private static readonly string[] Tensors = ["adapter_down.weight", "adapter_down.bias", "adapter_up.weight", "adapter_up.bias"];

    public static void Save(Module model, string folder)
    {
        var (width, blocks) = Houlsby.Blocks(model);
        var first = blocks[0].Block.AttentionAdapter ?? throw new ArgumentException("bottleneck adapters: this model has none to save");
        int bottleneck = first.Down.OutFeatures;
        var config = new JsonObject
        {
            ["peft_type"] = PeftType,
            ["task_type"] = AdapterFolder.TaskType(Houlsby.Family(model)),
            ["architecture"] = "bottleneck",
            ["mh_adapter"] = true,
            ["output_adapter"] = true,
            ["reduction_factor"] = width / bottleneck,
            ["bottleneck_size"] = bottleneck,
            ["non_linearity"] = HoulsbyConfig.Name(first.Activation),
            ["original_ln_after"] = true,
            ["residual_before_ln"] = true,
            ["init_weights"] = "bert",
            ["hidden_size"] = width,
            ["num_layers"] = blocks.Count,
        };
        var tensors = new List<(string, float[], int[])>();
        foreach (var (path, block) in blocks)
            foreach (var (name, adapter) in Adapters.Zip([block.AttentionAdapter!, block.MlpAdapter!]))
                foreach (var (tensor, p) in adapter.NamedParameters())
                    tensors.Add(($"{path}.{name}.{tensor}", p.Data.ToArray<float>(), p.Shape.ToArray()));
        AdapterFolder.Write(folder, config, tensors);
    }

    public static void Save(HfModel model, string folder) => Save(model.Module, folder);

    /// <summary>
    /// Attaches the adapters in <paramref name="folder"/> to <paramref name="model"/> (LlmLab's GPT, BERT or T5), trainable, the
    /// model frozen. hidden_size and num_layers must be the model's; every tensor's name and shape is checked before
    /// anything changes.
    /// </summary>
    public static void Load(Module model, string folder)
    {
        var (modelWidth, blocks) = Houlsby.Blocks(model);
        var json = AdapterFolder.ReadConfig(folder, PeftType);
        string path = Path.Combine(folder, AdapterFolder.ConfigFile);
        int Int(string key) => json[key] is JsonValue v && v.TryGetValue(out int i) && i >= 1
            ? i : throw new InvalidDataException($"{path}: \"{key}\" must be a whole number >= 1, got {json[key]?.ToJsonString() ?? "nothing"}");
        int width = Int("hidden_size"), layers = Int("num_layers"), bottleneck = Int("bottleneck_size");
        if (width != modelWidth || layers != blocks.Count)
            throw new InvalidDataException($"{path}: hidden_size {width} and num_layers {layers} do not fit this model (width {modelWidth}, {blocks.Count} layers)");
        foreach (var flag in new[] { "mh_adapter", "output_adapter" })
            if (json[flag] is not JsonValue f || !f.TryGetValue(out bool on) || !on)
                throw new InvalidDataException($"{path}: \"{flag}\" must be true (LlmLab reads Houlsby's two adapters per block)");
        var activation = HoulsbyConfig.Parse(json["non_linearity"] is JsonValue a && a.TryGetValue(out string? s) ? s : "swish");
        if (blocks.Any(b => b.Block.AttentionAdapter is not null)) throw new InvalidOperationException("bottleneck adapters: this model already has them");

        int[][] shapes = [[bottleneck, width], [bottleneck], [width, bottleneck], [width]];
        var values = new Dictionary<string, float[]>();
        using (var file = AdapterFolder.OpenWeights(folder))
        {
            var unused = new HashSet<string>(file.Names);
            foreach (var (block, _) in blocks)
                foreach (var name in Adapters)
                    for (int t = 0; t < Tensors.Length; t++)
                    {
                        string key = $"{block}.{name}.{Tensors[t]}";
                        values[key] = AdapterFolder.Read(file, key, shapes[t], unused);
                    }
            AdapterFolder.RequireAllUsed(file, unused, $"bottleneck adapters save {blocks[0].Path}.attn_adapter.* and {blocks[0].Path}.mlp_adapter.* for every block");
        }
        foreach (var (_, p) in model.NamedParameters()) p.RequiresGrad = false;
        foreach (var (blockPath, block) in blocks)
        {
            block.AttachAdapters(bottleneck, activation, new RandomStream(0, "houlsby.load"));
            foreach (var (name, adapter) in Adapters.Zip([block.AttentionAdapter!, block.MlpAdapter!]))
                foreach (var (tensor, p) in adapter.NamedParameters())
                    AdapterFolder.Assign(p, values[$"{blockPath}.{name}.{tensor}"]);
        }
    }

    public static void Load(HfModel model, string folder) => Load(Houlsby.Modules(model), folder);
}
