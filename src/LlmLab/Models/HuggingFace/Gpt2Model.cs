using System.Text.Json.Nodes;
using LlmLab.Autograd;
using LlmLab.Nn;

namespace LlmLab.Models.HuggingFace;

/// <summary>
/// GPT2LMHeadModel as LlmLab's <see cref="Gpt"/>. GPT-2 stores its projections as Conv1D weights [in, out] and fuses
/// q, k and v into one c_attn [C, 3C]; LlmLab's Linear holds [out, in] with separate q_proj, k_proj and v_proj, so
/// import transposes each weight and cuts c_attn in three, and export does the reverse. Tensor names may carry
/// transformers' "transformer." prefix or not; export writes it, as save_pretrained does.
/// </summary>
public sealed class Gpt2Model(Gpt gpt, JsonObject config, JsonObject? generationConfig) : DecoderModel(gpt, config, generationConfig)
{
    private const string Prefix = "transformer.";

    public override void ImportTensors(HfWeights weights)
    {
        string prefix = weights.Contains(Prefix + "wte.weight") ? Prefix : "";
        var c = Gpt.Config;
        int width = c.Width, hidden = c.MlpHidden;
        float[] Read(string name, params int[] shape) => weights.Read(prefix + name, shape);

        Assign(Gpt.TokenEmbedding.Weight, Read("wte.weight", c.VocabularySize, width));
        Assign(Gpt.PositionEmbedding!.Weight, Read("wpe.weight", c.Context, width));
        for (int i = 0; i < c.Layers; i++)
        {
            var block = Gpt.Blocks[i];
            string h = $"h.{i}.";
            AssignNorm(block.Norm1, Read($"{h}ln_1.weight", width), Read($"{h}ln_1.bias", width));
            AssignNorm(block.Norm2, Read($"{h}ln_2.weight", width), Read($"{h}ln_2.bias", width));
            var attention = Read($"{h}attn.c_attn.weight", width, 3 * width);
            var attentionBias = Read($"{h}attn.c_attn.bias", 3 * width);
            Linear[] qkv = [block.Attention.Query, block.Attention.Key, block.Attention.Value];
            for (int part = 0; part < 3; part++)
                AssignLinear(qkv[part], TransposeColumns(attention, width, 3 * width, part * width, width), attentionBias[(part * width)..((part + 1) * width)]);
            AssignLinear(block.Attention.Output, TransposeColumns(Read($"{h}attn.c_proj.weight", width, width), width, width, 0, width), Read($"{h}attn.c_proj.bias", width));
            var (fc, proj) = (block.Mlp.In, block.Mlp.Out);
            AssignLinear(fc, TransposeColumns(Read($"{h}mlp.c_fc.weight", width, hidden), width, hidden, 0, hidden), Read($"{h}mlp.c_fc.bias", hidden));
            AssignLinear(proj, TransposeColumns(Read($"{h}mlp.c_proj.weight", hidden, width), hidden, width, 0, width), Read($"{h}mlp.c_proj.bias", width));
        }
        AssignNorm(Gpt.FinalNorm, Read("ln_f.weight", width), Read("ln_f.bias", width));
    }

    public override IEnumerable<(string Name, float[] Values, int[] Shape)> ExportTensors()
    {
        var c = Gpt.Config;
        (string, float[], int[]) Tensor(string name, Variable value) => (Prefix + name, value.ToArray<float>(), value.Shape.ToArray());
        (string, float[], int[]) Conv1D(string name, params Linear[] layers)
        {
            // [out, in] Linear weights side by side as one [in, sum of out] Conv1D weight.
            int outs = layers.Sum(l => l.OutFeatures), ins = layers[0].InFeatures, column = 0;
            var result = new float[ins * outs];
            foreach (var layer in layers)
            {
                var w = layer.Weight.ToArray<float>();
                for (int o = 0; o < layer.OutFeatures; o++, column++)
                    for (int r = 0; r < ins; r++)
                        result[r * outs + column] = w[o * ins + r];
            }
            return (Prefix + name, result, [ins, outs]);
        }

        yield return Tensor("wte.weight", Gpt.TokenEmbedding.Weight);
        yield return Tensor("wpe.weight", Gpt.PositionEmbedding!.Weight);
        for (int i = 0; i < c.Layers; i++)
        {
            var block = Gpt.Blocks[i];
            var attention = block.Attention;
            var (fc, proj) = (block.Mlp.In, block.Mlp.Out);
            string h = $"h.{i}.";
            yield return Tensor($"{h}ln_1.weight", block.Norm1.Weight);
            yield return Tensor($"{h}ln_1.bias", block.Norm1.Bias!);
            yield return Conv1D($"{h}attn.c_attn.weight", attention.Query, attention.Key, attention.Value);
            yield return (Prefix + $"{h}attn.c_attn.bias",
                [.. attention.Query.Bias!.Data.ToArray<float>(), .. attention.Key.Bias!.Data.ToArray<float>(), .. attention.Value.Bias!.Data.ToArray<float>()], [3 * c.Width]);
            yield return Conv1D($"{h}attn.c_proj.weight", attention.Output);
            yield return Tensor($"{h}attn.c_proj.bias", attention.Output.Bias!);
            yield return Tensor($"{h}ln_2.weight", block.Norm2.Weight);
            yield return Tensor($"{h}ln_2.bias", block.Norm2.Bias!);
            yield return Conv1D($"{h}mlp.c_fc.weight", fc);
            yield return Tensor($"{h}mlp.c_fc.bias", fc.Bias!);
            yield return Conv1D($"{h}mlp.c_proj.weight", proj);
            yield return Tensor($"{h}mlp.c_proj.bias", proj.Bias!);
        }
        yield return Tensor("ln_f.weight", Gpt.FinalNorm.Weight);
        yield return Tensor("ln_f.bias", Gpt.FinalNorm.Bias!);
    }

    public override IReadOnlyDictionary<string, IReadOnlyList<LinearSlice>> LinearModules
    {
        get
        {
            var modules = new Dictionary<string, IReadOnlyList<LinearSlice>>();
            int width = Gpt.Config.Width;
            for (int i = 0; i < Gpt.Blocks.Count; i++)
            {
                var block = Gpt.Blocks[i];
                var attention = block.Attention;
                var (fc, proj) = (block.Mlp.In, block.Mlp.Out);
                string h = $"{Prefix}h.{i}.";
                modules[h + "attn.c_attn"] = [new(attention.Query, 0, true), new(attention.Key, width, true), new(attention.Value, 2 * width, true)];
                modules[h + "attn.c_proj"] = [new(attention.Output, 0, true)];
                modules[h + "mlp.c_fc"] = [new(fc, 0, true)];
                modules[h + "mlp.c_proj"] = [new(proj, 0, true)];
            }
            return modules;
        }
    }

    private static void AssignNorm(Norm norm, float[] weight, float[] bias)
    {
        Assign(norm.Weight, weight);
        Assign(norm.Bias!, bias);
    }

    private static void AssignLinear(Linear linear, float[] weight, float[] bias)
    {
        Assign(linear.Weight, weight);
        Assign(linear.Bias!, bias);
    }

    // Columns [start, start + count) of a row-major [rows, columns] matrix, transposed: [count, rows]. GPT-2's
    // Conv1D stores [in, out]; LlmLab's Linear holds [out, in].
    private static float[] TransposeColumns(float[] matrix, int rows, int columns, int start, int count)
    {
        var result = new float[count * rows];
        for (int r = 0; r < rows; r++)
            for (int j = 0; j < count; j++)
                result[j * rows + r] = matrix[r * columns + start + j];
        return result;
    }
}
