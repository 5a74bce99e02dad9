using LlmLab.Autograd;
using LlmLab.Backends;
using LlmLab.Models;
using LlmLab.Nn;
using LlmLab.Tensors;
using LlmLab.Tests.Infrastructure;
using LlmLab.Tests.References;

namespace LlmLab.Tests.Peft;

/// <summary>
/// A GPT-2-kind <see cref="Gpt"/> (learned positions, LayerNorm, GELU MLP, biases, untied head) recomputed in
/// float64 from its named parameters, with IA3's vectors where the parameters hold "&lt;layer&gt;.ia3_l" and a prompt
/// (virtual-token rows ahead of the tokens, their targets ignored) or a prefix (peft's past keys and values
/// [n, L 2 C], the tokens' positions starting at n) when one is given; and the check of a PEFT
/// method's gradients against central differences of that loss (per element 1e-4 + 2e-3 x |expected|, the
/// tolerance of the tape's whole-network checks).
/// </summary>
public static class Float64Gpt
{
    public static readonly GptConfig Tiny = new()
    {
        VocabularySize = 13, Context = 16, Layers = 2, Heads = 2, Width = 8, MlpRatio = 2, TiedEmbeddings = false,
    };

    /// <summary>Every parameter away from its initialisation: weights U(±0.5), norm gains and IA3 vectors 1 + U(±0.3).</summary>
    public static void Randomise(Module model, int seed)
    {
        var gains = model.NamedModules().Where(m => m.Module is Norm).Select(m => m.Name + ".weight").ToHashSet();
        foreach (var (name, p) in model.NamedParameters())
        {
            bool gain = gains.Contains(name) || name.EndsWith(".ia3_l", StringComparison.Ordinal);
            var values = TestData.Uniform(seed++, p.Data.ElementCount, gain ? 0.3f : 0.5f);
            if (gain) values = Array.ConvertAll(values, v => 1 + v);
            Write(p, values);
        }
    }

    public static void Write(Variable p, float[] values)
    {
        using var source = Tensor.From(p.Data.Backend, values, p.Shape.ToArray());
        p.Data.Backend.Copy(source.Storage, source.ByteOffset, p.Data.Storage, p.Data.ByteOffset, source.ByteLength);
    }

    public static Dictionary<string, double[]> Parameters(Module model) =>
        model.NamedParameters().ToDictionary(p => p.Name, p => TestData.ToDouble(p.Parameter.Data.ToArray<float>()));

    /// <summary>
    /// Mean cross-entropy of one row of <paramref name="ids"/> against <paramref name="targets"/>, with
    /// <paramref name="prompt"/> ([n, C] rows, or null) ahead of the tokens. IA3 vectors apply where present:
    /// at the input of the layers in <paramref name="feedForward"/>, at the output of the others. A
    /// <paramref name="prefix"/> puts layer l's keys (row offset 2l C) and values ((2l + 1) C) of each of its n
    /// rows ahead of the layer's own, seen by every query. Bottleneck adapters apply where the parameters hold
    /// "h.&lt;i&gt;.attn_adapter.*" and "h.&lt;i&gt;.mlp_adapter.*": h + up(act(down(h))) on each sublayer's output,
    /// act <paramref name="adapterActivation"/> (swish when null).
    /// </summary>
    public static double Loss(Dictionary<string, double[]> p, long[] ids, long[] targets, double[]? prompt = null,
        IReadOnlySet<string>? feedForward = null, double[]? prefix = null, Func<double, double>? adapterActivation = null)
    {
        var hidden = Hidden(p, ids, prompt, feedForward, prefix, adapterActivation);
        int virtualTokens = prompt is null ? 0 : prompt.Length / Tiny.Width;
        var logits = Float64Net.Linear(hidden, p["lm_head.weight"], null, Tiny.Width, Tiny.VocabularySize);
        return Float64Net.CrossEntropyMean(logits, Tiny.VocabularySize, [.. Enumerable.Repeat(-100L, virtualTokens), .. targets]);
    }

    /// <summary>The final-normed hidden states [T, C] (a prompt's rows first) that <see cref="Loss"/>'s head reads.</summary>
    public static double[] Hidden(Dictionary<string, double[]> p, long[] ids, double[]? prompt = null,
        IReadOnlySet<string>? feedForward = null, double[]? prefix = null, Func<double, double>? adapterActivation = null)
    {
        var c = Tiny;
        int width = c.Width, hidden = c.MlpHidden, heads = c.Heads, dim = width / heads;
        int virtualTokens = prompt is null ? 0 : prompt.Length / width, time = virtualTokens + ids.Length;
        int past = prefix is null ? 0 : prefix.Length / (c.Layers * 2 * width);
        double[] Linear(string name, double[] x, int inF, int outF)
        {
            p.TryGetValue(name + ".ia3_l", out var l);
            bool ff = feedForward?.Contains(name) == true;
            if (l is not null && ff) x = Float64Net.Mul(x, l);
            var y = Float64Net.Linear(x, p[name + ".weight"], p.GetValueOrDefault(name + ".bias"), inF, outF);
            return l is not null && !ff ? Float64Net.Mul(y, l) : y;
        }
        double[] Adapter(string name, double[] h)
        {
            if (!p.TryGetValue(name + ".adapter_down.weight", out var down)) return h;
            int m = down.Length / width;
            var inner = Float64Net.Map(Float64Net.Linear(h, down, p[name + ".adapter_down.bias"], width, m), adapterActivation ?? (z => z / (1 + Math.Exp(-z))));
            return Float64Net.Add(h, Float64Net.Linear(inner, p[name + ".adapter_up.weight"], p[name + ".adapter_up.bias"], m, width));
        }
        double[] Norm(string name, double[] x) => RowOpsReference.LayerNorm(x, p[name + ".weight"], p[name + ".bias"], c.NormEpsilon);

        var x = RowOpsReference.Embedding(p["wte.weight"], width, ids);
        if (prompt is not null) x = [.. prompt, .. x];
        x = Float64Net.Add(x, p["wpe.weight"][(past * width)..((past + time) * width)]);
        for (int i = 0; i < c.Layers; i++)
        {
            string h = $"h.{i}.";
            var n = Norm(h + "ln_1", x);
            var q = Heads(Linear(h + "attn.q_proj", n, width, width), time, heads, dim);
            var k = Heads(Linear(h + "attn.k_proj", n, width, width), time, heads, dim);
            var v = Heads(Linear(h + "attn.v_proj", n, width, width), time, heads, dim);
            var o = Merge(prefix is null
                ? Float64Net.Attention(q, k, v, heads, time, dim, causal: true)
                : PrefixAttention(q, k, v, prefix, i, past, heads, time, dim), time, heads, dim);
            x = Float64Net.Add(x, Adapter(h + "attn_adapter", Linear(h + "attn.o_proj", o, width, width)));
            var m = Float64Net.Map(Linear(h + "mlp.c_fc", Norm(h + "ln_2", x), width, hidden), ElementwiseReference.Gelu);
            x = Float64Net.Add(x, Adapter(h + "mlp_adapter", Linear(h + "mlp.c_proj", m, hidden, width)));
        }
        return Norm("ln_f", x);
    }

    /// <summary>
    /// Runs <paramref name="loss"/> on a tape, then checks every trainable parameter of <paramref name="model"/>
    /// (and <paramref name="extra"/> ones outside it) against central differences of <paramref name="reference"/>
    /// over the same parameters in float64, and that the frozen ones got no gradient. Returns how many were checked.
    /// </summary>
    public static int CheckGradients(IBackend backend, Module model, Func<Tape, Variable> loss,
        Func<Dictionary<string, double[]>, double> reference, params (string Name, Variable Parameter)[] extra)
    {
        var all = model.NamedParameters().Concat(extra).ToList();
        var doubles = all.ToDictionary(p => p.Name, p => TestData.ToDouble(p.Parameter.Data.ToArray<float>()));
        using var tape = new Tape(backend);
        var value = loss(tape);
        double expected = reference(doubles);
        Assert.InRange(value.Data.ToArray<float>()[0], expected - 1e-4 - 1e-4 * Math.Abs(expected), expected + 1e-4 + 1e-4 * Math.Abs(expected));
        tape.Backward(value);
        int checkedCount = 0;
        foreach (var (name, p) in all)
        {
            if (!p.RequiresGrad)
            {
                Assert.True(p.Grad is null, $"frozen {name} got a gradient");
                continue;
            }
            Assert.True(p.Grad is not null, $"{name} got no gradient");
            var numeric = Float64Net.FiniteDifference(() => reference(doubles), doubles[name]);
            AssertClose.Within(numeric, p.Grad!.ToArray<float>(), 1e-4, 2e-3, $"d loss / d {name} on {backend.Name}");
            p.ZeroGrad();
            checkedCount++;
        }
        return checkedCount;
    }

    // Attention whose keys and values are layer's n prefix rows, then the tokens' (causal among themselves).
    private static double[] PrefixAttention(double[] q, double[] k, double[] v, double[] prefix, int layer, int past, int heads, int time, int dim)
    {
        int width = heads * dim, row = Tiny.Layers * 2 * width;
        var o = new double[q.Length];
        double scale = 1 / Math.Sqrt(dim);
        for (int h = 0; h < heads; h++)
            for (int i = 0; i < time; i++)
            {
                int seen = past + i + 1;
                var w = new double[seen];
                double max = double.NegativeInfinity;
                double Key(int j, int d) => j < past ? prefix[j * row + 2 * layer * width + h * dim + d] : k[(h * time + j - past) * dim + d];
                double Value(int j, int d) => j < past ? prefix[j * row + (2 * layer + 1) * width + h * dim + d] : v[(h * time + j - past) * dim + d];
                for (int j = 0; j < seen; j++)
                {
                    double s = 0;
                    for (int d = 0; d < dim; d++) s += q[(h * time + i) * dim + d] * Key(j, d);
                    w[j] = s * scale;
                    max = Math.Max(max, w[j]);
                }
                double sum = 0;
                for (int j = 0; j < seen; j++) sum += w[j] = Math.Exp(w[j] - max);
                for (int j = 0; j < seen; j++)
                    for (int d = 0; d < dim; d++)
                        o[(h * time + i) * dim + d] += w[j] / sum * Value(j, d);
            }
        return o;
    }

    // [T, H D] to [H, T, D]
    private static double[] Heads(double[] y, int time, int heads, int dim)
    {
        var r = new double[y.Length];
        for (int t = 0; t < time; t++)
            for (int h = 0; h < heads; h++)
                for (int d = 0; d < dim; d++)
                    r[(h * time + t) * dim + d] = y[t * heads * dim + h * dim + d];
        return r;
    }

    // [H, T, D] to [T, H D]
    private static double[] Merge(double[] o, int time, int heads, int dim)
    {
        var r = new double[o.Length];
        for (int t = 0; t < time; t++)
            for (int h = 0; h < heads; h++)
                for (int d = 0; d < dim; d++)
                    r[t * heads * dim + h * dim + d] = o[(h * time + t) * dim + d];
        return r;
    }
}
