using LlmLab.Models;
using LlmLab.Tests.References;

namespace LlmLab.Tests.Peft;

/// <summary>
/// A tiny encoder-decoder <see cref="T5"/> (RMS pre-norm residual blocks, bias-free projections, unscaled attention
/// scores plus each stack's relative position bias from its block 0's table, ReLU feed-forward, tied head after
/// d_model^-0.5) recomputed in float64 from its named parameters for one unpadded row. A prefix (peft's past keys
/// and values [n, L 2 C] for the L decoder layers, C = heads x d_kv, keys of layer l at row offset 2l C and values
/// at (2l + 1) C, each heads x d_kv) goes ahead of every decoder block's self-attention keys and values, seen by
/// every query, the tokens' positions starting at n and the relative bias covering the prefix keys too (queries
/// at n + i, prefix key j at j); and the same layer's rows go ahead of its cross-attention's encoder keys and
/// values (no bias there). The encoder gets no prefix. Houlsby's adapters apply where the parameters hold
/// "&lt;block&gt;.attn_adapter.*" and "&lt;block&gt;.mlp_adapter.*" (block "encoder.block.i" or
/// "decoder.block.i"): h + up(swish(down(h))) on the self-attention's and the feed-forward's outputs before the
/// residual add; the cross-attention has none.
/// </summary>
public static class Float64T5
{
    public static readonly T5Config Tiny = new()
    {
        VocabularySize = 13, Width = 8, Heads = 2, HeadDim = 4, FeedForwardWidth = 16, EncoderLayers = 2, DecoderLayers = 2,
        RelativeBuckets = 8, RelativeMaxDistance = 16, TiedEmbeddings = true,
    };

    public static double Loss(Dictionary<string, double[]> p, long[] inputIds, long[] decoderInputIds, long[] targets, double[]? prefix = null)
    {
        var c = Tiny;
        int width = c.Width, inner = c.InnerWidth, hidden = c.FeedForwardWidth, source = inputIds.Length, time = decoderInputIds.Length;
        int row = c.DecoderLayers * 2 * inner, past = prefix is null ? 0 : prefix.Length / row;
        double[] Linear(string name, double[] x, int inF, int outF) => Float64Net.Linear(x, p[name + ".weight"], null, inF, outF);
        double[] Norm(string name, double[] x) => RowOpsReference.RmsNorm(x, p[name + ".weight"], c.NormEpsilon);
        double[] Adapter(string name, double[] h)
        {
            if (!p.TryGetValue(name + ".adapter_down.weight", out var down)) return h;
            int m = down.Length / width;
            var z = Float64Net.Map(Float64Net.Linear(h, down, p[name + ".adapter_down.bias"], width, m), v => v / (1 + Math.Exp(-v)));
            return Float64Net.Add(h, Float64Net.Linear(z, p[name + ".adapter_up.weight"], p[name + ".adapter_up.bias"], m, width));
        }
        double[] FeedForward(string name, double[] x) =>
            Linear(name + ".wo", Float64Net.Map(Linear(name + ".wi", x, width, hidden), ElementwiseReference.Relu), hidden, width);
        // Layer l's prefix keys (half 0) or values (half 1), [n, C], ahead of the layer's own [T, C].
        double[] WithPrefix(double[] own, int layer, int half)
        {
            if (prefix is null) return own;
            var rows = new double[past * inner];
            for (int j = 0; j < past; j++) Array.Copy(prefix, j * row + (2 * layer + half) * inner, rows, j * inner, inner);
            return [.. rows, .. own];
        }

        // The encoder: bidirectional, no mask, block 0's bias in every block.
        var x = RowOpsReference.Embedding(p["shared.weight"], width, inputIds);
        var encoderBias = PositionBias(p["encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight"], source, source, 0, bidirectional: true);
        for (int l = 0; l < c.EncoderLayers; l++)
        {
            string b = $"encoder.block.{l}", a = b + ".layer.0.SelfAttention", f = b + ".layer.1.DenseReluDense";
            var n = Norm(b + ".layer.0.layer_norm", x);
            var o = Attention(Linear(a + ".q", n, width, inner), Linear(a + ".k", n, width, inner), Linear(a + ".v", n, width, inner), encoderBias, causal: false);
            x = Float64Net.Add(x, Adapter(b + ".attn_adapter", Linear(a + ".o", o, inner, width)));
            x = Float64Net.Add(x, Adapter(b + ".mlp_adapter", FeedForward(f, Norm(b + ".layer.1.layer_norm", x))));
        }
        var encoded = Norm("encoder.final_layer_norm", x);

        // The decoder: causal among the tokens, the bias over the prefix keys and the tokens' from position n.
        x = RowOpsReference.Embedding(p["shared.weight"], width, decoderInputIds);
        var decoderBias = PositionBias(p["decoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight"], time, past + time, past, bidirectional: false);
        for (int l = 0; l < c.DecoderLayers; l++)
        {
            string b = $"decoder.block.{l}", a = b + ".layer.0.SelfAttention", e = b + ".layer.1.EncDecAttention", f = b + ".layer.2.DenseReluDense";
            var n = Norm(b + ".layer.0.layer_norm", x);
            var o = Attention(Linear(a + ".q", n, width, inner), WithPrefix(Linear(a + ".k", n, width, inner), l, 0),
                WithPrefix(Linear(a + ".v", n, width, inner), l, 1), decoderBias, causal: true);
            x = Float64Net.Add(x, Adapter(b + ".attn_adapter", Linear(a + ".o", o, inner, width)));
            n = Norm(b + ".layer.1.layer_norm", x);
            o = Attention(Linear(e + ".q", n, width, inner), WithPrefix(Linear(e + ".k", encoded, width, inner), l, 0),
                WithPrefix(Linear(e + ".v", encoded, width, inner), l, 1), bias: null, causal: false);
            x = Float64Net.Add(x, Linear(e + ".o", o, inner, width));
            x = Float64Net.Add(x, Adapter(b + ".mlp_adapter", FeedForward(f, Norm(b + ".layer.2.layer_norm", x))));
        }
        x = Norm("decoder.final_layer_norm", x);
        if (c.ScalesDecoderOutputs) x = Float64Net.Map(x, v => v * Math.Pow(width, -0.5));
        var logits = Float64Net.Linear(x, p[c.TiedEmbeddings ? "shared.weight" : "lm_head.weight"], null, width, c.VocabularySize);
        return Float64Net.CrossEntropyMean(logits, c.VocabularySize, targets);
    }

    // [H, Tq, Tk] from table [buckets, H] for queries at offset .. offset + Tq - 1 and keys at 0 .. Tk - 1.
    private static double[] PositionBias(double[] table, int queries, int keys, int offset, bool bidirectional)
    {
        int heads = Tiny.Heads;
        var buckets = RelativePositionBuckets.Matrix(queries, keys, offset, bidirectional, Tiny.RelativeBuckets, Tiny.RelativeMaxDistance);
        var bias = new double[heads * queries * keys];
        for (int h = 0; h < heads; h++)
            for (int ij = 0; ij < queries * keys; ij++)
                bias[h * queries * keys + ij] = table[buckets[ij] * heads + h];
        return bias;
    }

    // q [Tq, H d_kv] over k, v [Tk, H d_kv], scores unscaled (T5) plus bias [H, Tq, Tk]; causal: query i sits at
    // Tk - Tq + i and sees the keys up to there. Returns [Tq, H d_kv].
    private static double[] Attention(double[] q, double[] k, double[] v, double[]? bias, bool causal)
    {
        int heads = Tiny.Heads, dim = Tiny.HeadDim, inner = heads * dim, queries = q.Length / inner, keys = k.Length / inner;
        var o = new double[q.Length];
        for (int h = 0; h < heads; h++)
            for (int i = 0; i < queries; i++)
            {
                int seen = causal ? keys - queries + i + 1 : keys;
                var w = new double[seen];
                double max = double.NegativeInfinity, sum = 0;
                for (int j = 0; j < seen; j++)
                {
                    double s = bias?[(h * queries + i) * keys + j] ?? 0;
                    for (int d = 0; d < dim; d++) s += q[i * inner + h * dim + d] * k[j * inner + h * dim + d];
                    max = Math.Max(max, w[j] = s);
                }
                for (int j = 0; j < seen; j++) sum += w[j] = Math.Exp(w[j] - max);
                for (int j = 0; j < seen; j++)
                    for (int d = 0; d < dim; d++)
                        o[i * inner + h * dim + d] += w[j] / sum * v[j * inner + h * dim + d];
            }
        return o;
    }
}
