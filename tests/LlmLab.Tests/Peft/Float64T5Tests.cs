using LlmLab.Autograd;
using LlmLab.Backends;
using LlmLab.Models;
using LlmLab.Tensors;
using LlmLab.Tests.Infrastructure;
using LlmLab.Tests.References;

namespace LlmLab.Tests.Peft;

/// <summary>
/// The float64 T5 against the engine: the loss, gradients of a few parameters, and the prefix path through the
/// decoder's generation caches (prefix rows put ahead of every block's self- and cross-attention keys and values);
/// the adapter path, which the engine lacks yet, only for reading every block's adapters.
/// </summary>
[Collection("backends")]
public class Float64T5Tests
{
    public static TheoryData<string> Backends => TestBackends.All;

    private static readonly long[] InputIds = [3, 7, 1, 12, 0];
    private static readonly long[] DecoderIds = [0, 4, 9, 2];
    private static readonly long[] Targets = [4, 9, -100, 11];

    private static T5 Model(IBackend backend)
    {
        var t5 = new T5(backend, Float64T5.Tiny, seed: 1);
        Float64Gpt.Randomise(t5, seed: 40);
        return t5;
    }

    private static void AssertRelative(double expected, double actual, double tolerance, string what) =>
        Assert.True(Math.Abs(actual - expected) <= tolerance * Math.Abs(expected), $"{what}: expected {expected}, got {actual}");

    [Theory, MemberData(nameof(Backends))]
    public void Reference_loss_matches_the_engine(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        var t5 = Model(backend);
        // The gains are away from 1, so the reference reads them.
        Assert.All(t5.NamedParameters().Where(p => p.Name.EndsWith("layer_norm.weight", StringComparison.Ordinal)),
            p => Assert.Contains(p.Parameter.Data.ToArray<float>(), g => g != 1f));
        using var ids = Tensor.From(backend, InputIds, 1, InputIds.Length);
        using var decoderIds = Tensor.From(backend, DecoderIds, 1, DecoderIds.Length);
        using var targets = Tensor.From(backend, Targets, 1, Targets.Length);
        using var tape = new Tape(backend);
        double engine = t5.Loss(tape, ids, null, decoderIds, targets).Data.ToArray<float>()[0];
        AssertRelative(Float64T5.Loss(Float64Gpt.Parameters(t5), InputIds, DecoderIds, Targets), engine, 1e-5, $"T5 loss on {backendName}");
    }

    [Theory, MemberData(nameof(Backends))]
    public void Gradients_match_float64(string backendName)
    {
        var backend = TestBackends.Get(backendName);
        var t5 = Model(backend);
        // A few parameters keep the finite differences quick: both bias tables, the tied table (both embeddings and
        // the scaled head), and one each of the feed-forward, the cross-attention and the final norm.
        string[] trainable =
        [
            "shared.weight",
            "encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight",
            "decoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight",
            "encoder.block.1.layer.1.DenseReluDense.wo.weight",
            "decoder.block.1.layer.1.EncDecAttention.v.weight",
            "decoder.final_layer_norm.weight",
        ];
        foreach (var (name, p) in t5.NamedParameters()) p.RequiresGrad = trainable.Contains(name);
        using var ids = Tensor.From(backend, InputIds, 1, InputIds.Length);
        using var decoderIds = Tensor.From(backend, DecoderIds, 1, DecoderIds.Length);
        using var targets = Tensor.From(backend, Targets, 1, Targets.Length);
        int checkedCount = Float64Gpt.CheckGradients(backend, t5, tape => t5.Loss(tape, ids, null, decoderIds, targets),
            p => Float64T5.Loss(p, InputIds, DecoderIds, Targets));
        Assert.Equal(trainable.Length, checkedCount);
    }

    [Theory, MemberData(nameof(Backends))]
    public void Prefix_reference_matches_the_engines_decoder_over_filled_caches(string backendName)
    {
        // Self-attention caches already holding n positions are the prefix (queries from n on, the bias over all
        // keys, causal among the tokens); cross-attention keys and values are the prefix rows then the encoder's.
        var backend = TestBackends.Get(backendName);
        var t5 = Model(backend);
        var c = Float64T5.Tiny;
        const int past = 3;
        int heads = c.Heads, dim = c.HeadDim, inner = c.InnerWidth, row = c.DecoderLayers * 2 * inner;
        int source = InputIds.Length, time = DecoderIds.Length;
        var prefix = TestData.Uniform(60, past * row, 0.8f);
        // Layer l's prefix keys (half 0) or values (half 1) as [1, H, capacity, d_kv], then the rest of data's rows.
        float[] Heads(int layer, int half, int capacity, float[] rest)
        {
            var r = new float[heads * capacity * dim];
            for (int h = 0; h < heads; h++)
            {
                for (int j = 0; j < past; j++)
                    Array.Copy(prefix, j * row + (2 * layer + half) * inner + h * dim, r, (h * capacity + j) * dim, dim);
                Array.Copy(rest, h * (rest.Length / heads), r, (h * capacity + past) * dim, rest.Length / heads);
            }
            return r;
        }

        using var ids = Tensor.From(backend, InputIds, 1, source);
        using var decoderIds = Tensor.From(backend, DecoderIds, 1, time);
        using var tape = new Tape(backend, recordGradients: false);
        var encoded = t5.Encode(tape, ids, null);
        var crossTape = new Tape(backend, recordGradients: false);
        var self = new List<KvCache>();
        var cross = new List<(Variable Key, Variable Value)>();
        for (int l = 0; l < c.DecoderLayers; l++)
        {
            var cache = new KvCache(backend, 1, heads, past + time, dim);
            foreach (var (half, target) in new[] { (0, cache.Keys), (1, cache.Values) })
            {
                using var filled = Tensor.From(backend, Heads(l, half, past + time, []), 1, heads, past + time, dim);
                backend.Copy(filled.Storage, filled.ByteOffset, target.Storage, target.ByteOffset, filled.ByteLength);
            }
            cache.Advance(past);
            self.Add(cache);
            var (k, v) = t5.Decoder.Blocks[l].CrossAttention!.Layer.KeysAndValues(crossTape, encoded);
            Variable Joined(int half, Variable own) =>
                crossTape.Constant(crossTape.Keep(Tensor.From(backend, Heads(l, half, past + source, own.Data.ToArray<float>()), 1, heads, past + source, dim)));
            cross.Add((Joined(0, k), Joined(1, v)));
        }
        using var caches = new T5DecoderCache(crossTape, self, cross);
        var logits = t5.Decode(tape, decoderIds, null, null, caches).Data.ToArray<float>();
        double engine = Float64Net.CrossEntropyMean(TestData.ToDouble(logits), c.VocabularySize, Targets);
        double expected = Float64T5.Loss(Float64Gpt.Parameters(t5), InputIds, DecoderIds, Targets, TestData.ToDouble(prefix));
        AssertRelative(expected, engine, 1e-5, $"T5 loss with a prefix on {backendName}");
        Assert.True(Math.Abs(expected - Float64T5.Loss(Float64Gpt.Parameters(t5), InputIds, DecoderIds, Targets)) > 1e-3, "the prefix changes the loss");
    }

    [Fact]
    public void Every_blocks_adapters_are_read_and_zero_ones_change_nothing()
    {
        var p = Float64Gpt.Parameters(Model(TestBackends.Get("cpu")));
        double plain = Float64T5.Loss(p, InputIds, DecoderIds, Targets);
        int width = Float64T5.Tiny.Width, bottleneck = 3, seed = 80;
        var blocks = Enumerable.Range(0, Float64T5.Tiny.EncoderLayers).Select(i => $"encoder.block.{i}")
            .Concat(Enumerable.Range(0, Float64T5.Tiny.DecoderLayers).Select(i => $"decoder.block.{i}"));
        foreach (var adapter in blocks.SelectMany(b => new[] { b + ".attn_adapter", b + ".mlp_adapter" }))
        {
            var q = new Dictionary<string, double[]>(p)
            {
                [adapter + ".adapter_down.weight"] = TestData.ToDouble(TestData.Uniform(seed++, bottleneck * width, 0.5f)),
                [adapter + ".adapter_down.bias"] = TestData.ToDouble(TestData.Uniform(seed++, bottleneck, 0.5f)),
                [adapter + ".adapter_up.weight"] = new double[width * bottleneck],
                [adapter + ".adapter_up.bias"] = new double[width],
            };
            Assert.Equal(plain, Float64T5.Loss(q, InputIds, DecoderIds, Targets));
            q[adapter + ".adapter_up.weight"] = TestData.ToDouble(TestData.Uniform(seed++, width * bottleneck, 0.5f));
            Assert.True(Math.Abs(plain - Float64T5.Loss(q, InputIds, DecoderIds, Targets)) > 1e-4, $"{adapter} changes the loss");
        }
    }
}
