using System.Text.Json.Nodes;
using LlmLab.Autograd;
using LlmLab.Nn;

namespace LlmLab.Models.HuggingFace;

/// <summary>
/// LlamaForCausalLM as LlmLab's <see cref="Gpt"/>: the same [out, in] Linear layouts as transformers, so import
/// and export only rename ("model.layers.0.self_attn.q_proj" is LlmLab's "h.0.attn.q_proj"). LlmLab's rotary
/// embedding uses transformers' "rotate half" pairing, so q_proj and k_proj need no permutation.
/// </summary>
public sealed class LlamaModel(Gpt gpt, JsonObject config, JsonObject? generationConfig) : DecoderModel(gpt, config, generationConfig)
{
    public override void ImportTensors(HfWeights weights)
    {
        foreach (var (name, parameter) in Tensors())
            Assign(parameter, weights.Read(name, parameter.Shape.ToArray()));
    }

    public override IEnumerable<(string Name, float[] Values, int[] Shape)> ExportTensors() =>
        Tensors().Select(t => (t.Name, t.Parameter.ToArray<float>(), t.Parameter.Shape.ToArray()));

    public override IReadOnlyDictionary<string, IReadOnlyList<LinearSlice>> LinearModules =>
        Linears().ToDictionary(l => l.Name, l => (IReadOnlyList<LinearSlice>)[new LinearSlice(l.Layer, 0)]);

    // Every parameter under its transformers name, in the order transformers lists them.
    private IEnumerable<(string Name, Variable Parameter)> Tensors()
    {
        yield return ("model.embed_tokens.weight", Gpt.TokenEmbedding.Weight);
        for (int i = 0; i < Gpt.Blocks.Count; i++)
        {
            var block = Gpt.Blocks[i];
            yield return ($"model.layers.{i}.input_layernorm.weight", block.Norm1.Weight);
            foreach (var (name, layer) in Linears().Where(l => l.Name.StartsWith($"model.layers.{i}.", StringComparison.Ordinal)))
            {
                yield return (name + ".weight", layer.Weight);
                if (layer.Bias is not null) yield return (name + ".bias", layer.Bias);
            }
            yield return ($"model.layers.{i}.post_attention_layernorm.weight", block.Norm2.Weight);
        }
        yield return ("model.norm.weight", Gpt.FinalNorm.Weight);
        if (Gpt.Head is not null) yield return ("lm_head.weight", Gpt.Head.Weight);
    }

    private IEnumerable<(string Name, Linear Layer)> Linears()
    {
        for (int i = 0; i < Gpt.Blocks.Count; i++)
        {
            var (attention, mlp) = (Gpt.Blocks[i].Attention, Gpt.Blocks[i].Mlp);
            string layer = $"model.layers.{i}.";
            yield return (layer + "self_attn.q_proj", attention.Query);
            yield return (layer + "self_attn.k_proj", attention.Key);
            yield return (layer + "self_attn.v_proj", attention.Value);
            yield return (layer + "self_attn.o_proj", attention.Output);
            yield return (layer + "mlp.gate_proj", mlp.Gate!);
            yield return (layer + "mlp.up_proj", mlp.In);
            yield return (layer + "mlp.down_proj", mlp.Out);
        }
    }
}
