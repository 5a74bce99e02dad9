using LlmLab.Autograd;
using LlmLab.Backends;
using LlmLab.Models;
using LlmLab.Nn;
using LlmLab.Numerics;
using LlmLab.Quantization;
using LlmLab.Random;
using LlmLab.Tensors;
using LlmLab.Tests.Infrastructure;
using Xunit.Sdk;

namespace LlmLab.Tests.Quantization;

/// <summary>
/// Linear layers and GPTs with quantised weights. A quantised linear layer must be within what its format's rounding
/// allows of the f32 layer: |y_q - y| &lt;= sum_k |x_k| e_k, where e_k bounds the rounding of weight k (the bounds of
/// QuantizationTests: int8 max|row| / 254; Q8_0 d/2 + 127 |d - fp16(d)| with d = amax/127; Q4_0 |d| + 8 |d - fp16(d)|
/// with |d| = amax/8, per block of 32), plus 1e-5 x sum_k |x_k w_k| for f32 accumulation. A whole GPT compounds
/// those errors through its non-linearities, so there the check is exact instead: the quantised GPT computes what
/// the f32 GPT computes with the dequantised weights, within f32 accumulation (1e-4).
/// </summary>
[Collection("backends")]
public class QuantizedLinearTests
{
    private static readonly IBackend Cpu = TestBackends.Get("cpu");

    public static TheoryData<WeightFormat> Formats => new() { WeightFormat.Int8, WeightFormat.Q8_0, WeightFormat.Q4_0 };

    private static GptConfig Tiny(int width = 32) => new() { VocabularySize = 11, Context = 16, Layers = 2, Heads = 2, Width = width };

    [Fact]
    public void Int8_per_row_round_trip_keeps_every_weight_within_half_a_step_of_its_row()
    {
        var linear = new Linear(Cpu, 96, 5, bias: false, new RandomStream(3, "w"));
        float[] w = linear.Weight.Data.ToArray<float>();
        linear.Quantize(WeightFormat.Int8);

        var int8 = linear.QuantizedWeight!.Int8!;
        Assert.Equal(Int8Scheme.AbsmaxPerRow, int8.Scheme);
        float[] scales = int8.Scales.ToArray<float>();
        sbyte[] q = int8.Values.ToArray<sbyte>();
        using var back = linear.QuantizedWeight.Dequantize();
        float[] roundTrip = back.ToArray<float>();
        for (int row = 0; row < 5; row++)
        {
            var original = w.AsSpan(row * 96, 96);
            float maxAbs = 0;
            foreach (float v in original) maxAbs = MathF.Max(maxAbs, MathF.Abs(v));
            Assert.Equal(127f / maxAbs, scales[row]);
            Assert.Contains(q.AsSpan(row * 96, 96).ToArray(), v => Math.Abs((int)v) == 127);   // the row's largest weight uses the full range
            for (int k = 0; k < 96; k++)
            {
                double error = Math.Abs(roundTrip[row * 96 + k] - original[k]);
                if (error > maxAbs / 254.0 * (1 + 1e-5))
                    throw new XunitException($"row {row}, weight {k}: {original[k]:R} came back as {roundTrip[row * 96 + k]:R}, more than max|row|/254 = {maxAbs / 254.0:E3} away");
            }
        }
    }

    [Theory, MemberData(nameof(Formats))]
    public void Quantised_linear_forward_is_within_the_rounding_its_format_allows(WeightFormat format)
    {
        const int inFeatures = 64, outFeatures = 24, rows = 15;
        var linear = new Linear(Cpu, inFeatures, outFeatures, bias: true, new RandomStream(7, "w"), std: 0.5f);
        using (var bias = Tensor.From(Cpu, TestData.Uniform(8, outFeatures, 0.1f), outFeatures))
            Cpu.Copy(bias.Storage, 0, linear.Bias!.Data.Storage, linear.Bias.Data.ByteOffset, bias.ByteLength);
        float[] x = TestData.Normal(9, rows * inFeatures);
        float[] w = linear.Weight.Data.ToArray<float>(), b = linear.Bias!.Data.ToArray<float>();
        float[] f32 = Forward(linear, x, 3, 5, inFeatures);

        linear.Quantize(format);
        Assert.Equal(format, linear.Format);
        float[] quantized = Forward(linear, x, 3, 5, inFeatures);

        double[] weightError = WeightErrorBounds(w, outFeatures, inFeatures, format);
        bool differs = false;
        for (int m = 0; m < rows; m++)
            for (int n = 0; n < outFeatures; n++)
            {
                double exact = b[n], bound = 1e-6, magnitude = 0;
                for (int k = 0; k < inFeatures; k++)
                {
                    double xk = x[m * inFeatures + k];
                    exact += xk * w[n * inFeatures + k];
                    bound += Math.Abs(xk) * weightError[n * inFeatures + k];
                    magnitude += Math.Abs(xk * w[n * inFeatures + k]);
                }
                bound += 1e-5 * magnitude;
                double error = Math.Abs(quantized[m * outFeatures + n] - exact);
                if (error > bound)
                    throw new XunitException($"{format.Name()}: y[{m}, {n}] = {quantized[m * outFeatures + n]:R}, exact {exact:R}: off by {error:E3}, more than the format allows ({bound:E3})");
                differs |= quantized[m * outFeatures + n] != f32[m * outFeatures + n];
            }
        Assert.True(differs, $"{format.Name()} gave exactly the f32 outputs: the quantised weight was not used");

        linear.Quantize(WeightFormat.F32);
        AssertClose.BitIdentical(f32, Forward(linear, x, 3, 5, inFeatures), "back in f32");
    }

    /// <summary>
    /// Inference with a Q8_0/Q4_0 weight takes MatMulIntegerDot, ggml's integer dots over Q8_0 activations, up to the
    /// backend's IntegerDotRows: on cpu any number, so a prompt's rows get the bits each would get decoded alone; on
    /// ILGPU decode rows, longer inputs taking the dequantising MatMulQuantized, as any training tape does.
    /// </summary>
    [Theory]
    [InlineData("cpu", WeightFormat.Q8_0)]
    [InlineData("cpu", WeightFormat.Q4_0)]
    [InlineData("ilgpu-cpu", WeightFormat.Q4_0)]
    public void Inference_takes_integer_dots_up_to_the_backends_rows_and_training_dequantises(string backendName, WeightFormat format)
    {
        const int inFeatures = 64, outFeatures = 24;
        var backend = TestBackends.Get(backendName);
        var linear = new Linear(backend, inFeatures, outFeatures, bias: true, new RandomStream(7, "w"), std: 0.5f);
        linear.Quantize(format);
        var weight = linear.QuantizedWeight!;
        Assert.Equal(backendName == "cpu" ? int.MaxValue : 4, backend.IntegerDotRows);
        foreach (int rows in new[] { 1, 4, 5, 13 })
        {
            float[] x = TestData.Normal(rows, rows * inFeatures);
            using var input = Tensor.From(backend, x, 1, rows, inFeatures);
            using var integer = backend.MatMulIntegerDot(input, weight.Blocks!, linear.Bias!.Data);
            using var dequantised = backend.MatMulQuantized(input, weight, linear.Bias.Data);
            float[] integerY = integer.ToArray<float>(), dequantisedY = dequantised.ToArray<float>(), inference = Forward(linear, x, 1, rows, inFeatures, backend);
            Assert.Contains(integerY.Zip(dequantisedY), p => p.First != p.Second); // the two ops differ, so the checks tell them apart
            AssertClose.BitIdentical(rows <= backend.IntegerDotRows ? integerY : dequantisedY, inference, $"{rows} rows, inference");
            using var tape = new Tape(backend);
            AssertClose.BitIdentical(dequantisedY, linear.Forward(tape, tape.Constant(input)).Data.ToArray<float>(), $"{rows} rows, training tape");
            if (backendName != "cpu") continue;
            for (int r = 0; r < rows; r++)
                AssertClose.BitIdentical(inference.AsSpan(r * outFeatures, outFeatures).ToArray(),
                    Forward(linear, x.AsSpan(r * inFeatures, inFeatures).ToArray(), 1, 1, inFeatures, backend), $"row {r} of {rows} alone");
        }

        // QLoRA decoding adds the adapter to the same integer-dot base: with B = 0 (PEFT's start) the base's values.
        linear.AttachLora(4, alpha: 8, new RandomStream(5, "lora"));
        float[] one = TestData.Normal(1, inFeatures);
        using var row = Tensor.From(backend, one, 1, 1, inFeatures);
        using var baseY = backend.MatMulIntegerDot(row, weight.Blocks!, linear.Bias!.Data);
        Assert.Equal(baseY.ToArray<float>(), Forward(linear, one, 1, 1, inFeatures, backend));
    }

    [Theory, MemberData(nameof(Formats))]
    public void Quantised_gpt_computes_the_f32_gpt_with_dequantised_weights(WeightFormat format)
    {
        var quantized = new Gpt(Cpu, Tiny(), seed: 4);
        var reference = new Gpt(Cpu, Tiny(), seed: 4);
        using var ids = Tensor.From(Cpu, TestData.Integers(5, 2 * 12, 0, 11), 2, 12);
        float[] f32 = Logits(quantized, ids);

        var summary = WeightQuantizer.Quantize(quantized, format);
        Assert.Equal(12, summary.Layers.Count);                      // q, k, v, o, c_fc, c_proj in each of 2 blocks; the tied head is wte
        Assert.All(WeightQuantizer.Linears(quantized), l => Assert.Equal(format, l.Layer.Format));
        foreach (var ((_, q), (_, r)) in WeightQuantizer.Linears(quantized).Zip(WeightQuantizer.Linears(reference)))
        {
            using var dequantized = q.QuantizedWeight!.Dequantize();
            Cpu.Copy(dequantized.Storage, dequantized.ByteOffset, r.Weight.Data.Storage, r.Weight.Data.ByteOffset, dequantized.ByteLength);
        }

        // A tape that records gradients keeps x in f32 (MatMulQuantized), so only the weights' rounding differs;
        // inference rounds x to Q8_0 too (MatMulIntegerDot, checked layer by layer).
        float[] actual = Logits(quantized, ids, recordGradients: true);
        AssertClose.Within(Logits(reference, ids), actual, abs: 1e-4, rel: 1e-4, what: $"{format.Name()} logits");
        Assert.Contains(actual.Zip(f32), p => p.First != p.Second);

        WeightQuantizer.Quantize(quantized, WeightFormat.F32);
        AssertClose.BitIdentical(f32, Logits(quantized, ids), "the GPT back in f32");
    }

    [Fact]
    public void Sizes_count_each_format_as_it_is_stored()
    {
        var gpt = new Gpt(Cpu, Tiny(), seed: 1);
        long all = gpt.ParameterCount();
        // Per block: q, k, v, o [32, 32], c_fc [128, 32], c_proj [32, 128]: 12288 weights in 288 rows.
        const long weights = 2 * 12288, rows = 2 * 288;
        var expected = new Dictionary<WeightFormat, long>
        {
            [WeightFormat.F32] = weights * 4,
            [WeightFormat.Int8] = weights + rows * 4,                  // a byte a weight and an f32 scale a row
            [WeightFormat.Q8_0] = weights / 32 * 34,                    // blocks of 32: fp16 scale + 32 bytes
            [WeightFormat.Q4_0] = weights / 32 * 18,                    // blocks of 32: fp16 scale + 16 bytes
        };
        foreach (var (format, bytes) in expected)
        {
            var summary = WeightQuantizer.Quantize(gpt, format);
            Assert.Equal((format, weights, bytes), (summary.Format, summary.LinearWeights, summary.LinearBytes));
            Assert.Equal(all, summary.ModelWeights);
            Assert.Equal((all - weights) * 4 + bytes, summary.ModelBytes);
            Assert.Equal(all * 4, summary.ModelF32Bytes);
        }
    }

    /// <summary>
    /// A quantised weight is frozen but not a wall (QLoRA): on a training tape the linear weights get no gradient,
    /// while the f32 biases and the parameters below them do (ln_1 feeds only the quantised q, k and v).
    /// </summary>
    [Fact]
    public void A_quantised_gpt_passes_gradients_past_its_frozen_linear_weights()
    {
        var gpt = new Gpt(Cpu, Tiny(), seed: 2);
        WeightQuantizer.Quantize(gpt, WeightFormat.Q4_0);
        using var ids = Tensor.From(Cpu, TestData.Integers(6, 8, 0, 11), 1, 8);
        using var targets = Tensor.From(Cpu, TestData.Integers(7, 8, 0, 11), 8);
        using var tape = new Tape(Cpu);
        tape.Backward(gpt.Loss(tape, ids, targets));
        var linears = WeightQuantizer.Linears(gpt);
        Assert.NotEmpty(linears);
        foreach (var (name, layer) in linears)
        {
            Assert.True(layer.Weight.Grad is null, $"{name}'s quantised weight got a gradient");
            Assert.True(layer.Bias?.Grad is not null, $"{name}'s bias got no gradient");
        }
        var parameters = gpt.NamedParameters().ToDictionary(p => p.Name, p => p.Parameter);
        foreach (var name in new[] { "h.0.ln_1.weight", "h.1.ln_2.weight", "wte.weight" })
            Assert.Contains(parameters[name].Grad!.ToArray<float>(), g => g != 0f);
    }

    [Fact]
    public void Block_formats_name_a_layer_whose_inputs_do_not_fill_blocks_and_change_nothing()
    {
        var gpt = new Gpt(Cpu, Tiny(width: 8), seed: 3);
        var e = Assert.Throws<ArgumentException>(() => WeightQuantizer.Quantize(gpt, WeightFormat.Q8_0));
        Assert.Contains("'h.0.attn.q_proj'", e.Message);
        Assert.All(WeightQuantizer.Linears(gpt), l => Assert.Equal(WeightFormat.F32, l.Layer.Format));
        Assert.Equal(WeightFormat.Int8, WeightQuantizer.Quantize(gpt, WeightFormat.Int8).Format);   // int8 rows take any width
    }

    [Fact]
    public void Format_names_parse_and_unknown_ones_list_the_known()
    {
        Assert.Equal(WeightFormat.Q4_0, WeightFormats.Parse(" Q4_0"));
        Assert.Equal("int8", WeightFormats.Parse("int8").Name());
        var e = Assert.Throws<ArgumentException>(() => WeightFormats.Parse("q5_k"));
        Assert.Contains("f32, int8, q8_0, q4_0", e.Message);
    }

    private static float[] Forward(Linear linear, float[] x, int batch, int time, int inFeatures, IBackend? on = null)
    {
        var backend = on ?? Cpu;
        using var tape = new Tape(backend, recordGradients: false);
        using var input = Tensor.From(backend, x, batch, time, inFeatures);
        return linear.Forward(tape, tape.Constant(input)).Data.ToArray<float>();
    }

    private static float[] Logits(Gpt gpt, Tensor ids, bool recordGradients = false)
    {
        using var tape = new Tape(Cpu, recordGradients);
        return gpt.Forward(tape, ids).Data.ToArray<float>();
    }

    /// <summary>The largest rounding error the format allows for each weight of w [rows, cols].</summary>
    private static double[] WeightErrorBounds(float[] w, int rows, int cols, WeightFormat format)
    {
        var bounds = new double[w.Length];
        int group = format == WeightFormat.Int8 ? cols : 32;
        for (int start = 0; start < w.Length; start += group)
        {
            double amax = 0;
            for (int i = start; i < start + group; i++) amax = Math.Max(amax, Math.Abs(w[i]));
            double bound = format switch
            {
                WeightFormat.Int8 => amax / 254,
                WeightFormat.Q8_0 => amax / 127 / 2 + 127 * HalfRounding((float)(amax / 127)),
                _ => amax / 8 + 8 * HalfRounding((float)(amax / 8)),
            };
            Array.Fill(bounds, bound * (1 + 1e-5), start, group);
        }
        return bounds;
    }

    private static double HalfRounding(float d) => Math.Abs(d - Fp16.ToSingle(Fp16.FromSingle(d)));
}
