using LlmLab.Autograd;
using LlmLab.Backends;
using LlmLab.Models;
using LlmLab.Nn;
using LlmLab.Peft;
using LlmLab.Quantization;
using LlmLab.Random;
using LlmLab.Tensors;
using LlmLab.Tests.Infrastructure;
using LlmLab.Tests.References;
using LlmLab.Training;
using Xunit.Sdk;

namespace LlmLab.Tests.Peft;

/// <summary>
/// QLoRA: LoRA over a GPT whose linear layers are quantised (WeightQuantizer) and frozen. Training lowers the loss and
/// changes A and B only, never the quantised bytes; merging quantises W + scale B A again, so the merged layer equals
/// the adapted one within the two roundings: |y_merged - y_adapted| &lt;= sum_k |x_k| (|deq(W') - W'| + |deq(W) - W|)
/// per output, plus 1e-5 x the summed magnitudes + 1e-6 for f32 accumulation (W' = W + scale B A, errors measured
/// per weight). rsLoRA attaches alpha / √r.
/// </summary>
[Collection("backends")]
public class QLoraTests
{
    private static readonly IBackend Cpu = TestBackends.Get("cpu");

    public static TheoryData<WeightFormat> Formats => new() { WeightFormat.Int8, WeightFormat.Q8_0, WeightFormat.Q4_0 };

    // Width 32: every linear layer's input fills Q8_0/Q4_0 blocks; the LM head is a Linear of its own.
    private static readonly GptConfig Tiny = new()
    {
        VocabularySize = 13, Context = 16, Layers = 2, Heads = 2, Width = 32, TiedEmbeddings = false,
    };

    private static readonly int[] Tokens = Enumerable.Range(0, 400).Select(i => (i * 5 + i / 7) % 13).ToArray();

    [Theory, MemberData(nameof(Formats))]
    public void Training_over_a_quantised_base_lowers_the_loss_and_changes_only_a_and_b(WeightFormat format)
    {
        var gpt = new Gpt(Cpu, Tiny, seed: 1);
        WeightQuantizer.Quantize(gpt, format);
        var layers = Lora.Apply(gpt, new LoraConfig { Rank = 4, Alpha = 8, TargetModules = [LoraConfig.AllLinear] }, seed: 3);
        Assert.Equal(12, layers.Count);
        var parameters = Snapshot(gpt);
        var bytes = WeightQuantizer.Linears(gpt).ToDictionary(l => l.Name, l => QuantizedBytes(l.Layer));
        float before = Loss(gpt);

        var options = new TrainingOptions { Steps = 8, LearningRate = 1e-2f, WarmupSteps = 0, EvaluationInterval = 0 };
        using (var trainer = new Trainer(Cpu, gpt, (tape, b) => gpt.Loss(tape, b.Inputs, b.Targets), options, new CausalLmBatches(Tokens, 12, 3, seed: 2)))
        {
            Assert.Equal(Lora.TrainableParameterCount(layers.Select(l => l.Layer), 4), trainer.TrainableParameterCount);
            trainer.Train();
        }

        float after = Loss(gpt);
        Assert.True(after < before - 0.05f, $"{format}: loss {before} -> {after} after 8 steps");
        foreach (var (name, values) in Snapshot(gpt))
        {
            if (name.Contains(".lora_")) Assert.NotEqual(parameters[name], values);
            else AssertClose.BitIdentical(parameters[name], values, name);
        }
        foreach (var (name, layer) in WeightQuantizer.Linears(gpt))
        {
            Assert.Equal(format, layer.Format);
            Assert.True(bytes[name].AsSpan().SequenceEqual(QuantizedBytes(layer)), $"{name}'s {format} bytes changed");
        }
    }

    [Theory, MemberData(nameof(Formats))]
    public void Merging_quantises_the_merged_weight_and_matches_the_adapter_within_the_rounding(WeightFormat format)
    {
        const int inF = 64, outF = 40, rank = 4, rows = 10;
        var linear = new Linear(Cpu, inF, outF, bias: true, new RandomStream(5, "w"), std: 0.05f);
        Overwrite(linear.Bias!, TestData.Uniform(6, outF, 0.5f));
        var w = linear.Weight.Data.ToArray<float>();
        linear.Quantize(format);
        var baseBytes = QuantizedBytes(linear);
        linear.AttachLora(rank, alpha: 8, new RandomStream(7, "lora"));
        Overwrite(linear.LoraB!.Weight, TestData.Normal(8, outF * rank, 0.3f));
        var a = linear.LoraA!.Weight.Data.ToArray<float>();
        var b = linear.LoraB.Weight.Data.ToArray<float>();
        var x = TestData.Uniform(9, rows * inF);
        var baseError = RoundingErrors(linear, w);
        var adapted = Forward(linear, x, rows, inF);

        linear.MergeLora();
        Assert.True(linear.LoraMerged);
        Assert.Equal(format, linear.Format);
        // The f32 master holds W + scale B A, and the layer reads it quantised afresh.
        var (mergedW, mergeMagnitude) = LoraReference.Merge(w, a, b, linear.LoraScale, inF, outF, rank);
        var master = linear.Weight.Data.ToArray<float>();
        MatMulReference.AssertWithin(mergedW, mergeMagnitude, master, 1e-5, 1e-6, $"{format} merged master weight");
        var requantised = WeightFormats.Quantize(linear.Weight.Data, format);
        Assert.Equal(QuantizedBytes(requantised), QuantizedBytes(linear));
        requantised.Release();
        Assert.False(baseBytes.AsSpan().SequenceEqual(QuantizedBytes(linear)), "merging left the quantised base as it was");
        var mergedError = RoundingErrors(linear, master);
        AssertWithinRounding(adapted, Forward(linear, x, rows, inF), x, rows, inF, outF, baseError, mergedError, $"{format} merged");

        // Unmerging gives the base weight back (f32 rounding) and the adapted outputs within the new rounding.
        linear.UnmergeLora();
        Assert.False(linear.LoraMerged);
        MatMulReference.AssertWithin(TestData.ToDouble(w), mergeMagnitude, linear.Weight.Data.ToArray<float>(), 1e-6, 0, $"{format} unmerged master weight");
        var unmergedError = RoundingErrors(linear, linear.Weight.Data.ToArray<float>());
        AssertWithinRounding(adapted, Forward(linear, x, rows, inF), x, rows, inF, outF, baseError, unmergedError, $"{format} unmerged");
    }

    [Fact]
    public void Quantizing_after_lora_apply_leaves_the_adapters_in_f32()
    {
        var gpt = new Gpt(Cpu, Tiny, seed: 1);
        var plain = new Gpt(Cpu, Tiny, seed: 1);
        var layers = Lora.Apply(gpt, new LoraConfig { Rank = 2, TargetModules = [LoraConfig.AllLinear] }, seed: 3);
        var summary = WeightQuantizer.Quantize(gpt, WeightFormat.Q4_0);
        var plainSummary = WeightQuantizer.Quantize(plain, WeightFormat.Q4_0);

        Assert.Equal(plainSummary.Layers, summary.Layers);                      // the 12 block layers and lm_head
        Assert.Equal(13, summary.Layers.Count);
        Assert.DoesNotContain(summary.Layers, name => name.Contains("lora_"));
        Assert.Equal((plainSummary.LinearWeights, plainSummary.LinearBytes), (summary.LinearWeights, summary.LinearBytes));
        long adapterWeights = Lora.TrainableParameterCount(layers.Select(l => l.Layer), 2);
        Assert.Equal(plainSummary.ModelWeights + adapterWeights, summary.ModelWeights);
        Assert.Equal(plainSummary.ModelBytes + adapterWeights * 4, summary.ModelBytes);   // A and B counted in f32
        foreach (var (name, layer) in layers)
        {
            Assert.Equal(WeightFormat.Q4_0, layer.Format);
            foreach (var adapter in new[] { layer.LoraA!, layer.LoraB! })
            {
                Assert.Equal(WeightFormat.F32, adapter.Format);
                Assert.Null(adapter.QuantizedWeight);
                Assert.True(adapter.Weight.RequiresGrad, $"{name}'s adapter should train");
            }
        }
        // B = 0: the adapted quantised model computes the quantised base model.
        AssertClose.Within(Logits(plain), Logits(gpt), 1e-6, 1e-5, "q4_0 logits with B = 0");
    }

    [Fact]
    public void Rslora_attaches_alpha_over_the_square_root_of_the_rank()
    {
        Assert.Equal(2f, new LoraConfig { Rank = 16, Alpha = 8, UseRsLora = true }.Scale);
        Assert.Equal(0.5f, new LoraConfig { Rank = 16, Alpha = 8 }.Scale);
        foreach (bool rs in new[] { false, true })
        {
            var gpt = new Gpt(Cpu, Tiny, seed: 1);
            WeightQuantizer.Quantize(gpt, WeightFormat.Q8_0);
            var layers = Lora.Apply(gpt, new LoraConfig { Rank = 16, Alpha = 8, UseRsLora = rs, TargetModules = ["q_proj", "c_fc"] }, seed: 3);
            Assert.Equal(4, layers.Count);
            Assert.All(layers, l => Assert.Equal(rs ? 2f : 0.5f, l.Layer.LoraScale));
        }

        // The update a layer adds is scale (x Aᵀ) Bᵀ: with the same A and B, rsLoRA's is √r = 3 times LoRA's at r = 9.
        const int inF = 32, outF = 6, rank = 9, rows = 4;
        var x = TestData.Uniform(1, rows * inF);
        float[] Update(float scale)
        {
            var linear = new Linear(Cpu, inF, outF, bias: false, new RandomStream(2, "w"));
            linear.Quantize(WeightFormat.Q4_0);
            var baseOutput = Forward(linear, x, rows, inF);
            linear.AttachLora(rank, alpha: 6, scale, new RandomStream(3, "lora"));
            Assert.Equal(scale, linear.LoraScale);
            Overwrite(linear.LoraB!.Weight, TestData.Normal(4, outF * rank, 0.3f));
            return [.. Forward(linear, x, rows, inF).Zip(baseOutput, (y, y0) => y - y0)];
        }
        var plain = Update(new LoraConfig { Rank = rank, Alpha = 6 }.Scale);
        var rsLora = Update(new LoraConfig { Rank = rank, Alpha = 6, UseRsLora = true }.Scale);
        Assert.Contains(plain, v => Math.Abs(v) > 1e-2);
        AssertClose.Within(plain.Select(v => 3 * v).ToArray(), rsLora, 1e-5, 1e-4, "rsLoRA update vs 3 x LoRA's");
        var defaultScale = new Linear(Cpu, inF, outF, bias: false, new RandomStream(2, "w"));
        defaultScale.AttachLora(rank, alpha: 6, new RandomStream(3, "lora"));
        Assert.Equal(6f / rank, defaultScale.LoraScale);
    }

    // ---- helpers --------------------------------------------------------------------------------------------

    private static Dictionary<string, float[]> Snapshot(Module model) =>
        model.NamedParameters().ToDictionary(p => p.Name, p => p.Parameter.Data.ToArray<float>());

    private static void Overwrite(Variable parameter, float[] values)
    {
        using var source = Tensor.From(Cpu, values, parameter.Shape.ToArray());
        Cpu.Copy(source.Storage, source.ByteOffset, parameter.Data.Storage, parameter.Data.ByteOffset, source.ByteLength);
    }

    private static byte[] QuantizedBytes(Linear layer) => QuantizedBytes(layer.QuantizedWeight ?? throw new XunitException("the layer is not quantised"));

    private static byte[] QuantizedBytes(QuantizedWeight weight) =>
        weight.Int8 is { } int8 ? [.. int8.Values.ToBytes(), .. int8.Scales.ToBytes()] : weight.Blocks!.ToBytes();

    private static float Loss(Gpt gpt)
    {
        using var ids = Tensor.From(Cpu, Tokens[..24], 2, 12);
        using var targets = Tensor.From(Cpu, Tokens[1..25], 2, 12);
        using var tape = new Tape(Cpu, recordGradients: false);
        return gpt.Loss(tape, ids, targets).Data.ToArray<float>()[0];
    }

    private static float[] Logits(Gpt gpt)
    {
        using var ids = Tensor.From(Cpu, Tokens[..24], 2, 12);
        using var tape = new Tape(Cpu, recordGradients: false);
        return gpt.Forward(tape, ids).Data.ToArray<float>();
    }

    private static float[] Forward(Linear linear, float[] x, int rows, int inF)
    {
        using var tape = new Tape(Cpu, recordGradients: false);
        using var input = Tensor.From(Cpu, x, 2, rows / 2, inF);
        return linear.Forward(tape, tape.Constant(input)).Data.ToArray<float>();
    }

    /// <summary>|deq(W) - W| per weight: what the layer's quantised weight is off from the f32 weight it came from.</summary>
    private static double[] RoundingErrors(Linear linear, float[] w)
    {
        using var dequantised = linear.QuantizedWeight!.Dequantize();
        return [.. dequantised.ToArray<float>().Zip(w, (q, v) => Math.Abs((double)q - v))];
    }

    private static void AssertWithinRounding(float[] expected, float[] actual, float[] x, int rows, int inF, int outF,
        double[] errorBefore, double[] errorAfter, string what)
    {
        for (int r = 0; r < rows; r++)
            for (int j = 0; j < outF; j++)
            {
                double bound = 1e-6, size = Math.Abs(expected[r * outF + j]);
                for (int k = 0; k < inF; k++)
                {
                    double xk = Math.Abs(x[r * inF + k]);
                    bound += xk * (errorBefore[j * inF + k] + errorAfter[j * inF + k]);
                    size += xk;
                }
                bound += 1e-5 * size;
                double difference = Math.Abs(actual[r * outF + j] - expected[r * outF + j]);
                if (!(difference <= bound))
                    throw new XunitException($"{what}: y[{r}, {j}] = {actual[r * outF + j]:R}, adapted {expected[r * outF + j]:R}: {difference:E3} > bound {bound:E3}");
            }
    }
}
