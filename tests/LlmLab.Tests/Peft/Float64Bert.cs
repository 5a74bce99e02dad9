using LlmLab.Models;
using LlmLab.Tests.References;

namespace LlmLab.Tests.Peft;

/// <summary>
/// A tiny <see cref="Bert"/> (post-LN, GELU erf, tied MLM decoder) recomputed in float64 from its named
/// parameters for one unpadded row, token types 0, with a prefix (peft's past keys and values [n, L 2 C], seen by
/// every query; the tokens' positions starting at n) when one is given, and Houlsby's adapters where the parameters
/// hold "&lt;layer&gt;.attn_adapter.*" and "&lt;layer&gt;.mlp_adapter.*" (h + up(swish(down(h))) before each residual add).
/// </summary>
public static class Float64Bert
{
    public static readonly BertConfig Tiny = new()
    {
        VocabularySize = 13, Width = 8, Layers = 2, Heads = 2, IntermediateSize = 16, MaxPositions = 16,
    };

    public static double Loss(Dictionary<string, double[]> p, long[] ids, long[] targets, double[]? prefix = null)
    {
        var c = Tiny;
        int width = c.Width, heads = c.Heads, dim = width / heads, time = ids.Length, row = c.Layers * 2 * width;
        int past = prefix is null ? 0 : prefix.Length / row;
        double[] Linear(string name, double[] x, int inF, int outF) => Float64Net.Linear(x, p[name + ".weight"], p[name + ".bias"], inF, outF);
        double[] Adapter(string name, double[] h)
        {
            if (!p.TryGetValue(name + ".adapter_down.weight", out var down)) return h;
            int m = down.Length / width;
            var inner = Float64Net.Map(Float64Net.Linear(h, down, p[name + ".adapter_down.bias"], width, m), z => z / (1 + Math.Exp(-z)));
            return Float64Net.Add(h, Float64Net.Linear(inner, p[name + ".adapter_up.weight"], p[name + ".adapter_up.bias"], m, width));
        }
        double[] Norm(string name, double[] x) => RowOpsReference.LayerNorm(x, p[name + ".weight"], p[name + ".bias"], c.NormEpsilon);

        const string e = "bert.embeddings.";
        var x = RowOpsReference.Embedding(p[e + "word_embeddings.weight"], width, ids);
        x = Float64Net.Add(x, RowOpsReference.Embedding(p[e + "token_type_embeddings.weight"], width, new long[time]));
        x = Float64Net.Add(x, p[e + "position_embeddings.weight"][(past * width)..((past + time) * width)]);
        x = Norm(e + "LayerNorm", x);
        for (int l = 0; l < c.Layers; l++)
        {
            string h = $"bert.encoder.layer.{l}.";
            var q = Linear(h + "attention.self.query", x, width, width);
            var k = Linear(h + "attention.self.key", x, width, width);
            var v = Linear(h + "attention.self.value", x, width, width);
            var context = new double[time * width];
            for (int head = 0; head < heads; head++)
                for (int i = 0; i < time; i++)
                {
                    int keys = past + time;
                    double Key(int j, int d) => j < past ? prefix![j * row + 2 * l * width + head * dim + d] : k[(j - past) * width + head * dim + d];
                    double Value(int j, int d) => j < past ? prefix![j * row + (2 * l + 1) * width + head * dim + d] : v[(j - past) * width + head * dim + d];
                    var w = new double[keys];
                    double max = double.NegativeInfinity, sum = 0;
                    for (int j = 0; j < keys; j++)
                    {
                        double s = 0;
                        for (int d = 0; d < dim; d++) s += q[i * width + head * dim + d] * Key(j, d);
                        max = Math.Max(max, w[j] = s / Math.Sqrt(dim));
                    }
                    for (int j = 0; j < keys; j++) sum += w[j] = Math.Exp(w[j] - max);
                    for (int j = 0; j < keys; j++)
                        for (int d = 0; d < dim; d++)
                            context[i * width + head * dim + d] += w[j] / sum * Value(j, d);
                }
            x = Norm(h + "attention.output.LayerNorm", Float64Net.Add(Adapter(h + "attn_adapter", Linear(h + "attention.output.dense", context, width, width)), x));
            var inner = Float64Net.Map(Linear(h + "intermediate.dense", x, width, c.IntermediateSize), ElementwiseReference.GeluErf);
            x = Norm(h + "output.LayerNorm", Float64Net.Add(Adapter(h + "mlp_adapter", Linear(h + "output.dense", inner, c.IntermediateSize, width)), x));
        }
        var t = Norm("cls.predictions.transform.LayerNorm", Float64Net.Map(Linear("cls.predictions.transform.dense", x, width, width), ElementwiseReference.GeluErf));
        var logits = Float64Net.Linear(t, p[e + "word_embeddings.weight"], p["cls.predictions.bias"], width, c.VocabularySize);
        return Float64Net.CrossEntropyMean(logits, c.VocabularySize, targets);
    }
}
