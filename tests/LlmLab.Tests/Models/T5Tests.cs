using System.Text.Json.Nodes;
using LlmLab.Autograd;
using LlmLab.Models;
using LlmLab.Models.HuggingFace;
using LlmLab.Tensors;
using LlmLab.Tests.Data;
using LlmLab.Tests.Infrastructure;

namespace LlmLab.Tests.Models;

/// <summary>LlmLab's T5 apart from the transformers fixture: position buckets, gradients of the relative bias, configs.</summary>
[Collection("backends")]
public class T5Tests
{
    // By hand from transformers' formula. Bidirectional, 32 buckets, max distance 128: 16 buckets a direction, exact
    // below 8, then 8 + floor(log(d / 8) / log(16) x 8), at most 15; keys after the query add 16.
    [Theory]
    [InlineData(0, 0)]
    [InlineData(-1, 1)]
    [InlineData(1, 17)]
    [InlineData(-7, 7)]
    [InlineData(-8, 8)]
    [InlineData(-15, 9)]      // log(1.875) / log(16) x 8 = 1.81
    [InlineData(-16, 10)]     // log 2 / log 16 x 8 = 2 exactly
    [InlineData(-32, 12)]
    [InlineData(-64, 14)]
    [InlineData(-127, 15)]    // 7.98
    [InlineData(-128, 15)]    // 8, clamped to the last bucket
    [InlineData(-1000, 15)]
    [InlineData(16, 26)]
    [InlineData(1000, 31)]
    public void Bidirectional_buckets(int relative, int bucket) =>
        Assert.Equal(bucket, RelativePositionBuckets.Bucket(relative, bidirectional: true, buckets: 32, maxDistance: 128));

    // Unidirectional, 32 buckets, max distance 128: keys after the query count as distance 0; exact below 16, then
    // 16 + floor(log(d / 16) / log(8) x 16), at most 31.
    [Theory]
    [InlineData(5, 0)]
    [InlineData(0, 0)]
    [InlineData(-1, 1)]
    [InlineData(-15, 15)]
    [InlineData(-16, 16)]
    [InlineData(-32, 21)]     // log 2 / log 8 x 16 = 5.33
    [InlineData(-64, 26)]     // 10.67
    [InlineData(-100, 30)]    // 14.10
    [InlineData(-127, 31)]    // 15.94
    [InlineData(-128, 31)]    // 16, clamped
    [InlineData(-5000, 31)]
    public void Unidirectional_buckets(int relative, int bucket) =>
        Assert.Equal(bucket, RelativePositionBuckets.Bucket(relative, bidirectional: false, buckets: 32, maxDistance: 128));

    [Fact]
    public void The_bucket_matrix_is_key_minus_query_from_the_offset()
    {
        // Queries at positions 2 and 3, keys 0 .. 3, decoder buckets (8 buckets, max distance 16: exact below 4).
        var ids = RelativePositionBuckets.Matrix(queries: 2, keys: 4, queryOffset: 2, bidirectional: false, buckets: 8, maxDistance: 16);
        Assert.Equal([2, 1, 0, 0, 3, 2, 1, 0], ids);
    }

    [Fact]
    public void The_relative_bias_tables_get_the_gradient_finite_differences_predict()
    {
        var backend = TestBackends.Get("cpu");
        var t5 = new T5(backend, SmallConfig(), seed: 3);
        using var inputs = Tensor.From(backend, TestData.Integers(1, 2 * 9, 2, 40), 2, 9);
        using var mask = Tensor.From(backend, Enumerable.Repeat(1, 9 + 6).Concat(Enumerable.Repeat(0, 3)).ToArray(), 2, 9);
        using var decoderInputs = Tensor.From(backend, TestData.Integers(2, 2 * 5, 2, 40), 2, 5);
        using var targets = Tensor.From(backend, TestData.Integers(3, 2 * 5, 2, 40).Select(t => (long)t).ToArray(), 10);
        float Loss()
        {
            using var tape = new Tape(backend, recordGradients: false);
            return t5.Loss(tape, inputs, mask, decoderInputs, targets).Data.ToArray<float>()[0];
        }
        using (var tape = new Tape(backend))
            tape.Backward(t5.Loss(tape, inputs, mask, decoderInputs, targets));

        foreach (var stack in new[] { t5.Encoder, t5.Decoder })
        {
            var table = stack.Blocks[0].SelfAttention.Layer.RelativeAttentionBias!.Weight;
            var grad = table.Grad!.ToArray<float>();
            double norm = Math.Sqrt(grad.Sum(g => (double)g * g));
            Assert.True(norm > 1e-4, $"the relative bias of the {(stack.IsDecoder ? "decoder" : "encoder")} got no gradient");
            // Along the gradient's direction the loss changes at rate |grad|.
            var original = table.Data.ToArray<float>();
            const float step = 1e-2f;
            float Shifted(float sign)
            {
                var moved = original.Select((w, i) => w + sign * step * (float)(grad[i] / norm)).ToArray();
                backend.Write(table.Data.Storage, table.Data.ByteOffset, System.Runtime.InteropServices.MemoryMarshal.AsBytes(moved.AsSpan()));
                return Loss();
            }
            double slope = (Shifted(1) - (double)Shifted(-1)) / (2 * step);
            Shifted(0);
            Assert.InRange(slope, norm * 0.97, norm * 1.03);
        }
    }

    [Fact]
    public void A_gated_untied_t5_saves_and_loads_under_transformers_names()
    {
        var backend = TestBackends.Get("cpu");
        var config = new JsonObject
        {
            ["model_type"] = "t5", ["architectures"] = new JsonArray("T5ForConditionalGeneration"), ["vocab_size"] = 40, ["d_model"] = 16,
            ["d_kv"] = 8, ["d_ff"] = 24, ["num_layers"] = 2, ["num_decoder_layers"] = 1, ["num_heads"] = 2,
            ["relative_attention_num_buckets"] = 8, ["relative_attention_max_distance"] = 20, ["feed_forward_proj"] = "gated-gelu",
            ["tie_word_embeddings"] = false, ["decoder_start_token_id"] = 0, ["eos_token_id"] = 1, ["pad_token_id"] = 0,
        };
        var model = (T5Model)HfCheckpoint.Create(backend, config, seed: 5);
        Assert.False(model.T5.Config.ScalesDecoderOutputs);   // untied, no scale_decoder_outputs: no scaling
        Assert.Equal(T5Activation.GeluTanh, model.T5.Config.Activation);
        using var folder = new TempFiles();
        model.Save(folder.Directory);
        var names = model.ExportTensors().Select(t => t.Name).ToHashSet();
        Assert.Contains("lm_head.weight", names);
        Assert.Contains("encoder.block.1.layer.1.DenseReluDense.wi_0.weight", names);
        Assert.Contains("decoder.block.0.layer.2.DenseReluDense.wi_1.weight", names);
        Assert.DoesNotContain("encoder.block.1.layer.0.SelfAttention.relative_attention_bias.weight", names);
        var loaded = (T5Model)HfCheckpoint.Load(backend, folder.Directory);
        using var inputs = Tensor.From(backend, new[] { 3, 9, 27, 1 }, 1, 4);
        using var decoderInputs = Tensor.From(backend, new[] { 0, 5, 6 }, 1, 3);
        using var tape = new Tape(backend, recordGradients: false);
        AssertClose.BitIdentical(model.Forward(tape, new ModelInputs(inputs, null, decoderInputs)).Data.ToArray<float>(),
            loaded.Forward(tape, new ModelInputs(inputs, null, decoderInputs)).Data.ToArray<float>(), "logits after a save and load");
    }

    [Fact]
    public void A_fresh_model_is_fixed_by_its_seed()
    {
        var backend = TestBackends.Get("cpu");
        float[] Weights(ulong seed) => new T5(backend, SmallConfig(), seed).NamedParameters().SelectMany(p => p.Parameter.Data.ToArray<float>()).ToArray();
        AssertClose.BitIdentical(Weights(4), Weights(4), "two models of one seed");
        Assert.NotEqual(Weights(4), Weights(5));
    }

    [Fact]
    public void A_locality_prior_adds_to_one_nearby_offset_per_head()
    {
        var backend = TestBackends.Get("cpu");
        var config = SmallConfig() with { Heads = 6, HeadDim = 4, RelativeBuckets = 32, RelativeMaxDistance = 64 };
        var model = new T5(backend, config, seed: 3);
        var layer = model.Encoder.Blocks[0].SelfAttention.Layer;
        float[] before = layer.RelativeAttentionBias!.Weight.Data.ToArray<float>();
        layer.AddLocalityPrior(5f);
        float[] after = layer.RelativeAttentionBias.Weight.Data.ToArray<float>();
        int[] offsets = [-1, 1, -2, 2, -3, 3];   // head h's offset, key minus query
        for (int bucket = 0; bucket < 32; bucket++)
            for (int h = 0; h < 6; h++)
            {
                bool favoured = bucket == RelativePositionBuckets.Bucket(offsets[h], bidirectional: true, 32, 64);
                Assert.Equal(before[bucket * 6 + h] + (favoured ? 5f : 0f), after[bucket * 6 + h]);
            }
        Assert.Throws<InvalidOperationException>(() => model.Encoder.Blocks[1].SelfAttention.Layer.AddLocalityPrior(5f));
    }

    private static T5Config SmallConfig() => new()
    {
        VocabularySize = 40, Width = 16, HeadDim = 8, FeedForwardWidth = 32, EncoderLayers = 2, DecoderLayers = 2, Heads = 2,
        RelativeBuckets = 8, RelativeMaxDistance = 16,
    };
}
